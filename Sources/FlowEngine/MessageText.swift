import FlowModel
import Foundation
import WhatsAppCloud

/// A Cloud API payload as a person reads it in a chat: text, numbered choices, media by kind.
public enum MessageText {
    public static func lines(_ message: Outbound, flow: Flow) -> [String] {
        let payload = message.payload
        switch payload.type {
        case .text:
            return split(payload.text?.body ?? "")
        case .image, .video, .audio, .document, .sticker:
            let media = payload.image ?? payload.video ?? payload.audio ?? payload.document ?? payload.sticker
            var head = "(\(payload.type.rawValue)"
            if let filename = media?.filename { head += " \(filename)" }
            head += ") " + (media?.link ?? "media id \(media?.id ?? "?")")
            return [head] + (media?.caption.map(split) ?? [])
        case .location:
            let location = payload.location
            let name = [location?.name, location?.address].compactMap { $0 }.joined(separator: ", ")
            return ["(location) \(name.isEmpty ? "" : name + " ")(\(location?.latitude ?? 0), \(location?.longitude ?? 0))"]
        case .contacts:
            return (payload.contacts ?? []).map { card in
                "(contact) \(card.name.formattedName)" + ((card.phones ?? []).map { " \($0.phone)" }.joined())
                    + ((card.emails ?? []).map { " \($0.email)" }.joined())
            }
        case .interactive:
            return interactive(payload.interactive)
        case .template:
            return template(message, flow: flow)
        }
    }

    static func split(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    static func interactive(_ object: InteractiveObject?) -> [String] {
        guard let object else { return [] }
        var lines: [String] = []
        if let header = object.header {
            if let text = header.text {
                lines.append("*\(text)*")
            } else if let media = header.image ?? header.video ?? header.document {
                lines.append("(\(header.type)) \(media.link ?? media.id ?? "")")
            }
        }
        lines += split(object.body?.text ?? "")
        if let footer = object.footer { lines.append("_\(footer.text)_") }
        switch object.type {
        case .button:
            lines += (object.action.buttons ?? []).enumerated().map { "[\($0.offset + 1)] \($0.element.reply.title)" }
        case .list:
            lines.append("≡ \(object.action.button ?? "Choose")")
            var number = 0
            for section in object.action.sections ?? [] {
                if let title = section.title { lines.append("  \(title)") }
                for row in section.rows {
                    number += 1
                    lines.append("  [\(number)] \(row.title)\(row.description.map { " · \($0)" } ?? "")")
                }
            }
        case .ctaURL:
            if let parameters = object.action.parameters { lines.append("[↗ \(parameters.displayText)] \(parameters.url)") }
        case .locationRequest:
            lines.append("[Send location]")
        }
        return lines
    }

    /// A template as the customer sees it: the approved body with its parameters filled in.
    static func template(_ message: Outbound, flow: Flow) -> [String] {
        guard let object = message.payload.template else { return [] }
        let definition = flow.templates.values.first { $0.name.value == object.name && $0.language == object.language.code }
        var lines = ["[template \(object.name) · \(message.category ?? definition?.category.rawValue ?? "?")]"]
        let components = object.components ?? []
        func fill(_ text: String, _ type: String) -> String {
            let values =
                components.first { $0.type == type }?.parameters.map { $0.text ?? $0.image?.link ?? $0.video?.link ?? $0.document?.link ?? "" } ?? []
            var result = text
            for (index, value) in values.enumerated() { result = result.replacingOccurrences(of: "{{\(index + 1)}}", with: value) }
            return result
        }
        switch definition?.header {
        case .text(let text): lines.append("*\(fill(text.value, "header"))*")
        case .media(let kind): lines.append("(\(kind.rawValue)) \(fill("{{1}}", "header"))")
        case nil: break
        }
        lines += split(fill(definition?.body.value ?? "", "body"))
        if let footer = definition?.footer { lines.append("_\(footer.value)_") }
        let urlValues = components.filter { $0.subType == "url" }.map { $0.parameters.first?.text ?? "" }
        var urlIndex = 0
        var quick = 0
        for button in definition?.buttons ?? [] {
            switch button {
            case .quickReply(let label):
                quick += 1
                lines.append("[\(quick)] \(label.value)")
            case .url(let text, let url):
                let value = urlIndex < urlValues.count ? urlValues[urlIndex] : ""
                if url.value.contains("{{") { urlIndex += 1 }
                lines.append("[↗ \(text.value)] \(url.value.replacingOccurrences(of: "{{1}}", with: value))")
            case .phone(let text, let number):
                lines.append("[☎ \(text.value)] \(number.value)")
            }
        }
        return lines
    }
}
