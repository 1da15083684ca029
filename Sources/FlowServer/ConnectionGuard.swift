import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Watches each connection's requests, between Hummingbird's HTTP decoding and its idle handling:
///
/// - **Read deadline.** A request whose body has not all arrived `readTimeout` after its head is
///   cut: a client that drips its body a byte at a time holds a connection no longer than that.
///   (One that drips its headers, or sends nothing, is cut by the idle timeout: no part arrives.)
/// - **Graceful shutdown.** When the server stops, a connection between requests would be closed
///   at once, losing a request the client had already written. Instead the stop is passed on after
///   `linger`, or as soon as a request arrives, so requests already on the wire are read and
///   answered; responses from then on say `Connection: close`.
/// - **Connections accepted as the listener closes** are closed before they become active. NIO
///   hands such a connection to a server loop that has already ended, and activating it would
///   trap the process (apple/swift-nio#2813); closed here, its client sees a refused request and
///   retries, as it would against any stopped server.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let readTimeout: TimeAmount
    private let linger: TimeAmount
    private let onCut: @Sendable () -> Void
    private var deadline: Scheduled<Void>?
    /// Requests read whose response has not ended.
    private var inProgress = 0
    /// The server is stopping: the stop event, held back until a request arrives or `linger` passes.
    private var heldStop: (event: Any, timer: Scheduled<Void>)?
    private var stopping = false

    init(readTimeout: TimeAmount, linger: TimeAmount = .seconds(1), onCut: @escaping @Sendable () -> Void) {
        self.readTimeout = readTimeout
        self.linger = linger
        self.onCut = onCut
    }

    func channelActive(context: ChannelHandlerContext) {
        if let listener = context.channel.parent, !listener.isActive {
            context.close(promise: nil)
            return
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            inProgress += 1
            if deadline == nil {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                let onCut = onCut
                deadline = context.eventLoop.scheduleTask(in: readTimeout) {
                    onCut()
                    loopBound.value.close(promise: nil)
                }
            }
            context.fireChannelRead(data)
            releaseStop(context: context)
            return
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var response) where stopping:
            response.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(response)), promise: promise)
        case .end:
            inProgress = max(0, inProgress - 1)
            context.write(data, promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        stopping = true
        guard inProgress == 0, heldStop == nil else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(in: linger) {
            loopBound.value.handler.releaseStop(context: loopBound.value.context)
        }
        heldStop = (event, timer)
    }

    /// Passes on a held stop: the connection closes once its requests are answered.
    private func releaseStop(context: ChannelHandlerContext) {
        guard let held = heldStop else { return }
        heldStop = nil
        held.timer.cancel()
        context.fireUserInboundEventTriggered(held.event)
    }

    func handlerRemoved(context: ChannelHandlerContext) { cancelTimers() }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        context.fireChannelInactive()
    }

    private func cancelTimers() {
        deadline?.cancel()
        deadline = nil
        heldStop?.timer.cancel()
        heldStop = nil
    }
}
