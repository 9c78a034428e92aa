import ArgumentParser
import Foundation
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

/// Commands that work directly against the database, for bootstrapping the first admin and for
/// operators on the server. Everything they change is audited as done from the command line.
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create users, organizations and tokens directly in the database (bootstrap).",
        discussion: """
            For the first admin: `haven admin create-user --name "…" --role admin`, then \
            `haven admin create-token --user <id>`. After that, manage users and tokens through the API.
            """,
        subcommands: [CreateOrganization.self, CreateUser.self, CreateToken.self]
    )

    struct CreateOrganization: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-organization",
            abstract: "Create an organization and print its id."
        )

        @Option(help: "The organization's name.") var name: String
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let name = try validName(name)
            let id = try await withAuditedTransaction(database, logging, action: "cli.createOrganization") {
                connection,
                logger in
                let id = try await UserRepository(logger: logger).createOrganization(name: name, on: connection)
                return (id, ("organization", id))
            }
            say(id.uuidString.lowercased())
        }
    }

    struct CreateUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-user",
            abstract: "Create a user and print the new user's id."
        )

        @Option(help: "The user's name as colleagues know it.") var name: String
        @Option(help: "One of: \(Role.allCases.map(\.rawValue).joined(separator: ", ")).") var role: String
        @Option(help: "Id of the user's organization (required for a partner).") var organization: String?
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            guard let role = Role(rawValue: role) else {
                throw ValidationError(
                    "Unknown role '\(role)'. Use one of: \(Role.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            let name = try validName(name)
            let organizationID = try organization.map { organization in
                guard let parsed = UUID(uuidString: organization) else {
                    throw ValidationError("--organization '\(organization)' is not a UUID")
                }
                return parsed
            }
            if let error = AccessValidation.organization(organizationID, for: role) {
                throw ValidationError("--organization \(error.detail)")
            }
            let user = try await withAuditedTransaction(database, logging, action: "cli.createUser") {
                connection,
                logger in
                let users = UserRepository(logger: logger)
                if let organizationID, !(try await users.organizationExists(organizationID, on: connection)) {
                    throw ConfigurationError("No organization has the id \(organizationID.uuidString.lowercased()).")
                }
                let user = try await users.create(
                    name: name, role: role, organizationID: organizationID, on: connection)
                return (user, ("user", user.id))
            }
            say(user.id.uuidString.lowercased())
        }
    }

    struct CreateToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-token",
            abstract: "Create an API token for a user and print it. It is shown only this once."
        )

        @Option(help: "The user's id.") var user: String
        @Option(help: "A name that says where the token is used.") var name = "cli"
        @Option(help: "Days until the token expires (default: never).") var expiresInDays: Int?
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            guard let userID = UUID(uuidString: user) else { throw ValidationError("--user '\(user)' is not a UUID") }
            let name = try validName(name)
            if let expiresInDays, !(1...36_500).contains(expiresInDays) {
                throw ValidationError("--expires-in-days must be between 1 and 36500 (a hundred years)")
            }
            let expiresAt = expiresInDays.map { Date().addingTimeInterval(Double($0) * 86_400) }
            let secret = try await withAuditedTransaction(database, logging, action: "cli.createToken") {
                connection,
                logger in
                guard let owner = try await UserRepository(logger: logger).find(id: userID, on: connection) else {
                    throw ConfigurationError("No user has the id \(userID.uuidString.lowercased()).")
                }
                guard !owner.isDisabled else { throw ConfigurationError("That user is disabled.") }
                let created = try await TokenRepository(logger: logger).create(
                    userID: userID,
                    name: name,
                    expiresAt: expiresAt,
                    on: connection
                )
                return (created.secret, ("token", created.token.id))
            }
            say(secret)
        }
    }
}

private func validName(_ raw: String) throws -> String {
    switch AccessValidation.name(raw, pointer: "--name") {
    case .success(let name): return name
    case .failure(let error): throw ValidationError("--name \(error.detail)")
    }
}

/// Runs one change and its audit record in a single transaction.
private func withAuditedTransaction<T: Sendable>(
    _ database: DatabaseOptions,
    _ logging: LoggingOptions,
    action: String,
    _ body: @Sendable (PostgresConnection, Logger) async throws -> (T, record: (type: String, id: UUID))
) async throws -> T {
    let logger = try logging.bootstrap()
    let files = try database.migrations()
    let url = try await database.connectionURL(logger: logger)
    let databaseLogger = logger.forPostgres()
    return try await PostgresClient.withClient(url: url, logger: logger) { client in
        guard try await Migrator(client: client, files: files, logger: databaseLogger).plan().isCurrent else {
            throw ConfigurationError("The database schema is not current: run `haven migrate` first.")
        }
        return try await client.transaction(logger: databaseLogger) { connection in
            let (result, record) = try await body(connection, databaseLogger)
            let event = AuditEvent(
                caller: nil,
                action: action,
                recordType: record.type,
                recordID: record.id.uuidString.lowercased(),
                outcome: .allowed,
                requestID: nil,
                clientAddress: "local"
            )
            try await AuditLog(logger: databaseLogger).record(event, on: connection)
            return result
        }
    }
}
