import FlowModel
import FlowServer
import FlowServerTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking socket work on a thread of its own: the cooperative pool (two threads on a
/// two-core machine) must stay free for the servers under test, or two tests that wait at once
/// starve them.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// A plain TCP connection, for clients that do not speak HTTP properly: idle, dripping, many.
/// Its waits run off the cooperative pool.
final class RawConnection: Sendable {
    let socket: Int32

    init(port: Int) throws {
        // Connected before `socket` is set: a throw from a fully initialised object would run
        // `deinit` and close the descriptor a second time, maybe another thread's by then.
        socket = try Self.connected(port: port)
    }

    private static func connected(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw POSIXError(.ECONNREFUSED)
        }
        return socket
    }

    deinit { close(socket) }

    /// Sends bytes; false once the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// The first response the server sends within `seconds` (everything read until a pause), or nil.
    func response(within seconds: Double) async -> String? {
        await offThePool { self.blockingResponse(within: seconds) }
    }

    private func blockingResponse(within seconds: Double) -> String? {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, bytes.isEmpty ? 50 : 20) > 0 else {
                if !bytes.isEmpty { break }
                continue
            }
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    /// Waits up to `seconds` for the server to close the connection (end of file or a reset);
    /// answers whether it did. Anything the server sent first is read and dropped.
    func closedByServer(within seconds: Double) async -> Bool {
        await offThePool { self.blockingClosedByServer(within: seconds) }
    }

    private func blockingClosedByServer(within seconds: Double) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let left = max(
                1,
                Int32(
                    (deadline - ContinuousClock.now).components.seconds * 1000 + (deadline - ContinuousClock.now).components.attoseconds
                        / 1_000_000_000_000_000
                )
            )
            guard poll(&descriptor, 1, left) > 0 else { continue }
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { return true }
        }
        return false
    }
}

@Suite("hostile connections") struct HostileConnectionTests {
    @Test("idle connections at the cap are cut, and a webhook waiting behind them gets its 200")
    func idleConnectionsAtTheCap() async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start)) {
            $0.maxConnections = 16
            $0.idleTimeout = TimeSpan(milliseconds: 300)
        }
        // Twice the cap: 16 held open by the server, 16 more waiting in the kernel's queue.
        let idle = try (0..<32).map { _ in try RawConnection(port: server.port) }
        let sent = ContinuousClock.now
        let status = try await server.webhook(Payload.text("hello", id: "wamid.behind-idle"))
        let waited = ContinuousClock.now - sent
        #expect(status == 200)
        // Two rounds of idle connections (0.3 s each) are cut before the webhook's turn; then it is
        // answered at once. Never cut, it would wait out the client's 10 s; the bound is generous
        // for a machine busy with the rest of the suite.
        #expect(waited < .seconds(5), "waited \(waited)")
        for connection in idle { #expect(await connection.closedByServer(within: 5)) }
        try await eventually("the reply is sent") { graph.received.count == 1 }
        try await server.stop()
        try await graph.stop()
    }

    @Test("a client that drips its headers, or its body, is cut")
    func drippingClientsAreCut() async throws {
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start)) {
            // The idle timeout well above the read deadline, so that the body's drip is cut by the
            // deadline even when a busy machine delays a drip.
            $0.idleTimeout = TimeSpan(milliseconds: 1500)
            $0.readTimeout = TimeSpan(milliseconds: 300)
        }
        let headers = try RawConnection(port: server.port)
        headers.send("POST /webhook HTTP/1.1\r\nHost: flowgate\r\nContent-Le")
        let body = try RawConnection(port: server.port)
        body.send("POST /webhook HTTP/1.1\r\nHost: flowgate\r\nContent-Length: 1000\r\n\r\n{")
        // The body keeps dripping, a byte every 50 ms: the idle timeout alone would never fire.
        let dripper = Task.detached {
            var bytes = 0
            while body.send(" ") {
                bytes += 1
                try? await Task.sleep(for: .milliseconds(50))
                if bytes > 200 { break }
            }
            return bytes
        }
        #expect(await headers.closedByServer(within: 5))
        let dripped = await dripper.value
        #expect(dripped < 100, "the server read \(dripped) dripped bytes before cutting")
        #expect(server.metric("flowgate_connections_cut_total") >= 1)
        // The server still answers.
        #expect(try await server.webhook(Payload.text("hello", id: "wamid.after-drip")) == 200)
        try await server.stop()
        try await graph.stop()
    }
}
