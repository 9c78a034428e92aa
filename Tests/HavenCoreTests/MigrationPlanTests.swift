import HavenCore
import Testing

@Suite("Migration plan")
struct MigrationPlanTests {
    func file(_ version: Int, _ name: String, checksum: String = "c") -> MigrationFile {
        let digits = String(version)
        let fileName = String(repeating: "0", count: 4 - digits.count) + digits + "_\(name).sql"
        return MigrationFile(version: version, name: name, fileName: fileName, checksum: checksum, sql: "SELECT 1")
    }

    @Test("file names are NNNN_lowercase_name.sql")
    func parsesFileNames() {
        #expect(MigrationFile.parseFileName("0001_foundation.sql")! == (1, "foundation"))
        #expect(MigrationFile.parseFileName("0042_add_services_2.sql")! == (42, "add_services_2"))
        #expect(MigrationFile.parseFileName("1_foundation.sql") == nil)
        #expect(MigrationFile.parseFileName("0001-foundation.sql") == nil)
        #expect(MigrationFile.parseFileName("0001_Foundation.sql") == nil)
        #expect(MigrationFile.parseFileName("0000_zero.sql") == nil)
        #expect(MigrationFile.parseFileName("0001_.sql") == nil)
        #expect(MigrationFile.parseFileName("0001_foundation.txt") == nil)
    }

    @Test("on an empty database everything is pending, in version order")
    func emptyDatabase() {
        let plan = MigrationPlan(files: [file(2, "b"), file(1, "a")], applied: [])
        #expect(plan.pending.map(\.version) == [1, 2])
        #expect(plan.problems.isEmpty)
        #expect(!plan.isCurrent)
    }

    @Test("a database with every migration applied is current")
    func current() {
        let plan = MigrationPlan(
            files: [file(1, "a"), file(2, "b")],
            applied: [.init(version: 1, name: "a", checksum: "c"), .init(version: 2, name: "b", checksum: "c")]
        )
        #expect(plan.isCurrent)
        #expect(plan.entries.map(\.fileName) == ["0001_a.sql", "0002_b.sql"])
    }

    @Test("an applied migration whose file changed is named as the problem")
    func modified() {
        let plan = MigrationPlan(
            files: [file(1, "a", checksum: "new")],
            applied: [.init(version: 1, name: "a", checksum: "old")]
        )
        #expect(plan.problems == [.modified(path: "Migrations/0001_a.sql")])
        #expect(plan.problems[0].description.contains("Migrations/0001_a.sql"))
        #expect(!plan.isCurrent)
    }

    @Test("a migration the build does not have makes the database ahead, not current")
    func unknownApplied() {
        let plan = MigrationPlan(
            files: [file(1, "a")],
            applied: [.init(version: 1, name: "a", checksum: "c"), .init(version: 2, name: "later", checksum: "x")]
        )
        #expect(plan.problems == [.unknownApplied(fileName: "0002_later.sql")])
        #expect(plan.pending.isEmpty)
        #expect(!plan.isCurrent)
    }

    @Test("a pending migration numbered below an applied one is refused")
    func outOfOrder() {
        let plan = MigrationPlan(
            files: [file(1, "a"), file(2, "late_branch"), file(3, "c")],
            applied: [.init(version: 1, name: "a", checksum: "c"), .init(version: 3, name: "c", checksum: "c")]
        )
        #expect(plan.problems == [.outOfOrder(path: "Migrations/0002_late_branch.sql", latestApplied: "0003_c.sql")])
    }

    @Test("two files with one version number are refused")
    func duplicateVersions() {
        let plan = MigrationPlan(files: [file(1, "a"), file(1, "b")], applied: [])
        #expect(plan.problems == [.duplicateVersion(fileNames: ["0001_a.sql", "0001_b.sql"])])
    }
}
