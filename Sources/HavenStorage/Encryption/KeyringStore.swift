import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Hands out the current keyring: fixed (from the environment, or in tests) or read from a key
/// file that is re-read when it changes, so a running server opens values that `haven keys rotate`
/// re-encrypted under a key it has not seen yet, without a restart.
public final class KeyringStore: Sendable {
    private enum Source {
        case fixed
        case file(String)
    }

    private struct Loaded {
        var keyring: Keyring
        var modified: KeyFile.Stamp?
    }

    private let source: Source
    private let loaded: Mutex<Loaded>

    public init(fixed keyring: Keyring) {
        source = .fixed
        loaded = Mutex(Loaded(keyring: keyring, modified: nil))
    }

    /// A store backed by an existing key file; refuses a file that other accounts can read.
    public init(file path: String) throws {
        let (keyring, modified) = try KeyFile.read(path)
        source = .file(path)
        loaded = Mutex(Loaded(keyring: keyring, modified: modified))
    }

    /// Where the keys come from, for messages: a path, or "the environment".
    public var origin: String {
        switch source {
        case .fixed: "HAVEN_ENCRYPTION_KEYS"
        case .file(let path): path
        }
    }

    public func keyring() throws -> Keyring {
        guard case .file(let path) = source else { return loaded.withLock { $0.keyring } }
        let modified = KeyFile.stamp(path)
        let known = loaded.withLock { $0 }
        if let modified, modified == known.modified { return known.keyring }
        let (keyring, stamp) = try KeyFile.read(path)
        loaded.withLock { $0 = Loaded(keyring: keyring, modified: stamp) }
        return keyring
    }

    public func key(id: String) throws -> Keyring.Key? {
        try keyring().key(id: id)
    }

    /// Runs `body` holding the key file's lock (`<file>.lock`), so two `haven keys` commands
    /// never change the file from copies read before the other's change: a prune that read the
    /// keyring before a rotation wrote its new key would otherwise write it back without that
    /// key, and every value the rotation had sealed with it would be lost. Read the keyring
    /// inside `body`. With `waiting` false, a lock held elsewhere is `KeyringError.busy`.
    public func changing<T>(waiting: Bool = true, _ body: () async throws -> T) async throws -> T {
        guard case .file(let path) = source else { return try await body() }
        let lockPath = path + ".lock"
        let descriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw KeyringError.unreadableFile(path: lockPath, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX | (waiting ? 0 : LOCK_NB)) == 0 else {
            if errno == EWOULDBLOCK { throw KeyringError.busy(path: path) }
            throw KeyringError.unreadableFile(path: lockPath, reason: String(cString: strerror(errno)))
        }
        defer { flock(descriptor, LOCK_UN) }
        return try await body()
    }

    /// Replaces the key file's contents; only for a file-backed store.
    public func replace(with keyring: Keyring) throws {
        guard case .file(let path) = source else {
            throw KeyringError.unreadableFile(
                path: "HAVEN_ENCRYPTION_KEYS",
                reason: "keys given in the environment cannot be changed by Haven; use a key file")
        }
        try KeyFile.write(keyring, to: path)
        let stamp = KeyFile.stamp(path)
        loaded.withLock { $0 = Loaded(keyring: keyring, modified: stamp) }
    }
}

/// The key file on disk: 0600, written atomically, never world- or group-readable.
public enum KeyFile {
    /// Creates a key file with one fresh key unless one exists; returns whether it created it.
    @discardableResult
    public static func createIfMissing(at path: String) throws -> Bool {
        if FileManager.default.fileExists(atPath: path) { return false }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try write(Keyring.generate(), to: path)
        return true
    }

    static func read(_ path: String) throws -> (Keyring, Stamp?) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw KeyringError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        if info.st_mode & 0o077 != 0 {
            throw KeyringError.tooOpen(path: path, mode: String(info.st_mode & 0o777, radix: 8))
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw KeyringError.unreadableFile(path: path, reason: "not readable as UTF-8 text")
        }
        return (try Keyring(parsing: text), stamp(path))
    }

    static func write(_ keyring: Keyring, to path: String) throws {
        let temporary = path + ".new-\(getpid())"
        let created = FileManager.default.createFile(
            atPath: temporary, contents: Data(keyring.text.utf8), attributes: [.posixPermissions: 0o600])
        guard created else {
            throw KeyringError.unreadableFile(path: temporary, reason: "cannot be created")
        }
        // rename is atomic: a reader sees the old keyring or the new one, never half a file.
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw KeyringError.unreadableFile(path: path, reason: reason)
        }
    }

    /// Identifies one version of the file; a rewrite (a rename onto the path) changes the inode.
    struct Stamp: Equatable {
        let inode: UInt
        let seconds: Int
        let nanoseconds: Int
        let size: Int
    }

    static func stamp(_ path: String) -> Stamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Stamp(
            inode: UInt(info.st_ino), seconds: info.st_mtim.tv_sec, nanoseconds: info.st_mtim.tv_nsec,
            size: Int(info.st_size))
    }
}
