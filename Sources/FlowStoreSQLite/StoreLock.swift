import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive claim on a SQLite store for one `flowgate serve`: two servers on one file would
/// each send the outbox, so the second refuses to start. The claim is an advisory lock on
/// `<store>.lock`, released when the process ends however it ends (kill -9 included).
public final class StoreLock: Sendable {
    let descriptor: Int32

    /// Another process holds the store.
    public struct InUse: Error, CustomStringConvertible {
        public var path: String
        public var description: String { "another flowgate serve is using the store \(path) (its lock file \(path).lock is held)" }
    }

    /// Claims the store at `path`, or throws ``InUse``.
    public init(store path: String) throws {
        let file = path + ".lock"
        let descriptor = open(file, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK { throw InUse(path: path) }
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}
