import WhatsAppCloud
import Yams

/// `image:`, `video:`, `audio:`, `document:` or `sticker:`: one media message, by `link` or `id`.
///
/// `image: https://…` is short for `image: { link: https://… }`. Images, videos and documents may
/// carry a `caption`; documents may carry a `filename`.
public struct MediaStep: Hashable, Sendable {
    public var kind: MediaKind
    public var source: MediaSource
    public var caption: TextTemplate?
    public var filename: TextTemplate?

    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> MediaStep? {
        guard let kind = MediaKind(rawValue: key) else { return nil }
        let context = node.context
        if value.scalar != nil {
            return context.text(value, "'\(kind.rawValue)'").map { MediaStep(kind: kind, source: .link($0)) }
        }
        guard let reader = context.mapping(value, "'\(kind.rawValue)'") else { return nil }
        let source = MediaSource.read(reader, what: "the \(kind.rawValue)")
        let caption = reader.text("caption")
        if let caption, !kind.allowsCaption {
            context.report(
                .error(
                    .captionNotAllowed,
                    "WhatsApp does not show a caption on \(kind.rawValue) messages",
                    hint: "remove the caption, or send the words in a text node before or after it",
                    at: caption.location
                )
            )
        }
        let filename = kind == .document ? reader.text("filename") : nil
        reader.reportUnknownKeys(
            in: "\(kind == .image ? "an" : "a") \(kind.rawValue) message",
            elsewhere: { key in
                key == "filename" ? "document messages" : nil
            }
        )
        return source.map { MediaStep(kind: kind, source: $0, caption: kind.allowsCaption ? caption : nil, filename: filename) }
    }

    func checkLimits(_ check: inout LimitCheck, in flow: Flow) {
        check.text(caption, max: WhatsAppLimits.caption, rule: .captionLength, what: "caption")
    }
}

extension MediaStep: StepKind {
    static let keys = MediaKind.allCases.map(\.rawValue)
    var step: Step { .media(self) }
    var key: String { kind.rawValue }
    var isFreeForm: Bool { true }
    var texts: [TextTemplate] { [source.text] + [caption, filename].compactMap { $0 } }
}
