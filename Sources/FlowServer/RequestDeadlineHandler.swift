import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request is not read in full within `timeout` of its head: a client
/// that drips its body a byte at a time holds a connection no longer than that. (A client that
/// drips its headers, or sends nothing, is cut by the idle timeout: no request part arrives.)
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private let onCut: @Sendable () -> Void
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, onCut: @escaping @Sendable () -> Void) {
        self.timeout = timeout
        self.onCut = onCut
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            if deadline == nil {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                let onCut = onCut
                deadline = context.eventLoop.scheduleTask(in: timeout) {
                    onCut()
                    loopBound.value.close(promise: nil)
                }
            }
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }
}
