import Yams

/// The kinds of media WhatsApp sends, and what each allows.
public enum MediaKind: String, Hashable, Sendable, CaseIterable, Codable {
    case image, video, audio, document, sticker

    /// Only images, videos and documents carry a caption (Meta media pages).
    public var allowsCaption: Bool { self == .image || self == .video || self == .document }
}

/// Where media comes from: a public HTTPS `link`, or the `id` of media uploaded to WhatsApp.
public enum MediaSource: Hashable, Sendable {
    case link(TextTemplate)
    case id(TextTemplate)

    /// Reads a bare link (`image: https://…`) or a mapping with `link:` or `id:`.
    static func read(_ node: Yams.Node, context: LoadContext, what: String) -> MediaSource? {
        if node.scalar != nil { return context.text(node, what).map(MediaSource.link) }
        guard let reader = context.mapping(node, what) else { return nil }
        let source = read(reader, what: what)
        reader.reportUnknownKeys(in: what)
        return source
    }

    /// Reads `link:` or `id:` from a media mapping (exactly one of them).
    static func read(_ reader: MappingReader, what: String) -> MediaSource? {
        let link = reader.text("link")
        let id = reader.text("id")
        switch (link, id) {
        case (let link?, nil): return .link(link)
        case (nil, let id?): return .id(id)
        case (.some, .some):
            reader.context.report(
                .error(
                    .invalidValue,
                    "\(what) has both 'link' and 'id'",
                    hint: "keep one: 'link' for a public HTTPS URL, 'id' for uploaded media",
                    at: reader.location
                )
            )
        case (nil, nil):
            reader.context.report(
                .error(
                    .missingKey,
                    "\(what) needs 'link' or 'id'",
                    hint: "add `link: https://…` or `id: <media id>`",
                    at: reader.location
                )
            )
        }
        return nil
    }

    public var text: TextTemplate {
        switch self {
        case .link(let text), .id(let text): text
        }
    }
}

/// The header of a `buttons` or `cta_url` message: text, or an image, video or document.
public enum InteractiveHeader: Hashable, Sendable {
    case text(TextTemplate)
    case media(MediaKind, MediaSource)

    /// `header: Acme` or `header: { text: Acme }` or `header: { image: { link: … } }`.
    static func read(_ node: Yams.Node, context: LoadContext, allowMedia: Bool) -> InteractiveHeader? {
        if node.scalar != nil { return context.text(node, "'header'").map(InteractiveHeader.text) }
        guard let reader = context.mapping(node, "'header'") else { return nil }
        var header: InteractiveHeader?
        if let text = reader.text("text") { header = .text(text) }
        if allowMedia {
            for kind in [MediaKind.image, .video, .document] {
                if let value = reader.value(kind.rawValue),
                    let media = MediaSource.read(value, context: context, what: "the header \(kind.rawValue)")
                {
                    header = .media(kind, media)
                }
            }
        }
        reader.reportUnknownKeys(
            in: "a header",
            elsewhere: { key in
                MediaKind(rawValue: key) != nil ? "the headers of buttons and cta_url messages; a list header is text only" : nil
            }
        )
        if reader.keys.count > 1 {
            context.report(
                .error(
                    .invalidValue,
                    "a header holds one thing: text, image, video or document",
                    hint: "keep one of: \(reader.keys.map(\.value).joined(separator: ", "))",
                    at: reader.location
                )
            )
        }
        if header == nil, reader.keys.isEmpty {
            context.report(.error(.missingKey, "the header is empty", hint: "write `header: { text: … }` or remove it", at: reader.location))
        }
        return header
    }
}
