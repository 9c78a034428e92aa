import ArgumentParser
import Foundation

@main
struct Haven: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "haven",
        abstract: "Haven: a family-advocacy and peer-support referral directory.",
        discussion: """
            Server-side commands (serve, migrate, seed, import, export, db, admin, audit, keys) run the API and \
            look after its database. Without DATABASE_URL, Haven runs its own PostgreSQL cluster \
            under .haven/postgres, started on demand.

            Client commands (login, whoami, logout, place, needs, search, crisis, directory, \
            volunteers, families, match, consent, plan, referrals, followups) talk to a Haven \
            server only through its JSON API, with the token stored by `haven login` or given in \
            HAVEN_SERVER and HAVEN_TOKEN.

            Every option can also be set with the environment variable named in its help; \
            a flag wins over the variable.
            """,
        subcommands: [
            Serve.self, Migrate.self, Seed.self, Import.self, Export.self, Database.self, Admin.self, Audit.self,
            Keys.self, Login.self,
            Whoami.self, Logout.self, PlaceCommand.self, NeedsCommand.self, SearchCommand.self, CrisisCommand.self,
            DirectoryCommand.self, VolunteersCommand.self, FamiliesCommand.self, MatchCommand.self, ConsentCommand.self,
            PlanCommand.self, ReferralsCommand.self, FollowUpsCommand.self,
            Bench.self,
        ]
    )

    /// Every file Haven writes is its owner's alone: key files, the stored login, the embedded
    /// cluster's password file, full exports. Foundation writes a file and sets its mode after,
    /// so without this a secret was readable by anyone on the machine for a moment.
    static func main() async {
        umask(0o077)
        await main(nil)
    }
}
