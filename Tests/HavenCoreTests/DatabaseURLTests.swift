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

    @Test("a host that is a path names a Unix socket's directory, as libpq reads it")
    func socketDirectory() throws {
        let encoded = try DatabaseURL(parsing: "postgres://haven:pw@%2Fvar%2Frun%2Fpostgresql:6432/haven")
        #expect(encoded.socketDirectory == "/var/run/postgresql")
        #expect(encoded.socketPath == "/var/run/postgresql/.s.PGSQL.6432")
        #expect(encoded.endpoint == "/var/run/postgresql/.s.PGSQL.6432")
        #expect(encoded.isLoopback)
        #expect(encoded.sslMode == .disable)
        let parameter = try DatabaseURL(parsing: "postgresql://haven:pw@/haven?host=/var/run/postgresql/")
        #expect(parameter.socketPath == "/var/run/postgresql/.s.PGSQL.5432")
        let withPort = try DatabaseURL(parsing: "postgresql://haven:pw@:6432/haven?host=/var/run/postgresql")
        #expect(withPort == encoded)
        // Printed and read back, it is the same socket.
        #expect(encoded.urlString.contains("@%2Fvar%2Frun%2Fpostgresql:6432/haven"))
        #expect(try DatabaseURL(parsing: encoded.urlString) == encoded)
        #expect(!encoded.description.contains("pw"))
        #expect(try DatabaseURL(parsing: "postgres://haven@db.internal/haven?sslmode=require").socketDirectory == nil)
    }

    @Test("a socket URL that asks for TLS, names a relative host or too long a path is refused")
    func badSocketURLs() {
        #expect(throws: DatabaseURL.ParseError.encryptedSocket(sslMode: .verifyFull)) {
            try DatabaseURL(parsing: "postgres://haven@%2Ftmp/haven?sslmode=verify-full")
        }
        #expect(throws: DatabaseURL.ParseError.invalidParameter(name: "host", value: "db.internal")) {
            try DatabaseURL(parsing: "postgres://haven@/haven?host=db.internal")
        }
        let long = "/" + String(repeating: "d", count: 100)
        #expect(throws: DatabaseURL.ParseError.socketPathTooLong(long + "/.s.PGSQL.5432")) {
            try DatabaseURL(parsing: "postgres://haven@/haven?host=\(long)")
        }
        #expect(throws: DatabaseURL.ParseError.missingHost) {
            try DatabaseURL(parsing: "postgres://haven@/haven")
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
