import HavenCore
import Testing

@Suite("Database URL")
struct DatabaseURLTests {
    @Test("parses the parts of a URL and decodes the password")
    func parses() throws {
        let url = try DatabaseURL(parsing: "postgres://haven:s%40cret@db.internal:6543/haven_prod?sslmode=verify-full")
        #expect(url.host == "db.internal")
        #expect(url.port == 6543)
        #expect(url.username == "haven")
        #expect(url.password == "s@cret")
        #expect(url.database == "haven_prod")
        #expect(url.sslMode == .verifyFull)
    }

    @Test("a remote host without sslmode gets full certificate verification")
    func remoteDefaultsToVerifyFull() throws {
        let url = try DatabaseURL(parsing: "postgresql://haven@db.example.org/haven")
        #expect(url.sslMode == .verifyFull)
        #expect(url.port == 5432)
    }

    @Test("a loopback host without sslmode may use plaintext")
    func loopbackDefaultsToPrefer() throws {
        #expect(try DatabaseURL(parsing: "postgres://haven@127.0.0.1:54329/haven").sslMode == .prefer)
        #expect(try DatabaseURL(parsing: "postgres://haven@localhost/haven").sslMode == .prefer)
        #expect(try DatabaseURL(parsing: "postgres://haven@[::1]:5432/haven").isLoopback)
    }

    @Test("a remote host with a mode that can fall back to plaintext is refused", arguments: ["prefer", "allow"])
    func remotePlaintextRefused(mode: String) {
        #expect(throws: DatabaseURL.ParseError.plaintextToRemoteHost(host: "10.0.0.5", sslMode: .init(rawValue: mode)!))
        {
            try DatabaseURL(parsing: "postgres://haven@10.0.0.5/haven?sslmode=\(mode)")
        }
    }

    @Test("an explicit sslmode=disable to a remote host is the operator's choice")
    func explicitDisableAllowed() throws {
        let url = try DatabaseURL(parsing: "postgres://haven@10.0.0.5/haven?sslmode=disable")
        #expect(url.sslMode == .disable)
    }

    @Test("unknown parameters and bad values are refused with a clear message")
    func badParameters() {
        #expect(throws: DatabaseURL.ParseError.unsupportedParameter("sslmod")) {
            try DatabaseURL(parsing: "postgres://haven@localhost/haven?sslmod=require")
        }
        #expect(throws: DatabaseURL.ParseError.invalidParameter(name: "sslmode", value: "on")) {
            try DatabaseURL(parsing: "postgres://haven@localhost/haven?sslmode=on")
        }
        #expect(throws: DatabaseURL.ParseError.missingDatabase) {
            try DatabaseURL(parsing: "postgres://haven@localhost")
        }
        #expect(throws: DatabaseURL.ParseError.unsupportedScheme("mysql")) {
            try DatabaseURL(parsing: "mysql://haven@localhost/haven")
        }
    }

    @Test("the printable form never shows the password")
    func descriptionMasksPassword() throws {
        let url = try DatabaseURL(parsing: "postgres://haven:topsecret@127.0.0.1:54329/haven")
        #expect(!url.description.contains("topsecret"))
        #expect(url.description.contains("********"))
        #expect(url.urlString.contains("topsecret"))
        #expect(try DatabaseURL(parsing: url.urlString) == url)
    }
}
