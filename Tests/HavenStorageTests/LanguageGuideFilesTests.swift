import Foundation
import HavenCore
import HavenStorage
import HavenTestSupport
import Testing

@Suite("Language guide files")
struct LanguageGuideFilesTests {
    static let reference = TestDatabaseCluster.repositoryRoot.appendingPathComponent("Seeds/reference")

    @Test("the shipped guide loads, and every phrase in it is caught inside a sentence")
    func shippedGuide() throws {
        let guide = try LanguageGuideFiles.load(directory: Self.reference)
        #expect(guide.rules.count == 17)
        for rule in guide.rules {
            for pattern in rule.patterns {
                let findings = guide.check("In the notes, \(pattern.uppercased()), was written twice.")
                #expect(findings.first?.found.lowercased() == pattern.lowercased(), "\(pattern)")
                #expect(findings.first?.prefer.isEmpty == false)
            }
        }
    }

    @Test("an organization's own list beside it adds rules; a malformed one is named")
    func extraFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("guide-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(
            at: Self.reference.appendingPathComponent("language-guide.csv"),
            to: directory.appendingPathComponent("language-guide.csv"))
        try "pattern,prefer,severity,basis\nnoncustodial kidnapper,parent who took the child,review,Local practice\n"
            .write(to: directory.appendingPathComponent("language-guide.local.csv"), atomically: true, encoding: .utf8)
        let guide = try LanguageGuideFiles.load(directory: directory)
        #expect(guide.rules.count == 18)
        #expect(guide.check("The noncustodial kidnapper called.").first?.prefer == "parent who took the child")

        try "pattern,prefer,severity,basis\nword,better,maybe,x\n"
            .write(to: directory.appendingPathComponent("language-guide.bad.csv"), atomically: true, encoding: .utf8)
        #expect(throws: LanguageGuideFiles.Failure.self) { try LanguageGuideFiles.load(directory: directory) }
    }
}
