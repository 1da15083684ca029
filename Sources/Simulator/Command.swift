import FlowEngine
import FlowModel
import Foundation

/// A line typed into the simulator.
public enum Command: Hashable, Sendable {
    case act(Action)
    case state
    case help
    case quit

    /// Reads one line. With choices on screen, a number or a choice's title taps it; `/text 1`
    /// sends the text "1".
    public static func parse(_ line: String, choices: [SimulatorSession.Choice]) throws(SimulatorError) -> Command? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return nil }
        guard trimmed.hasPrefix("/") else {
            if let number = Int(trimmed), choices.indices.contains(number - 1) { return .act(.tap(trimmed)) }
            if choices.contains(where: { $0.title.lowercased() == trimmed.lowercased() }) { return .act(.tap(trimmed)) }
            return .act(.say(line))
        }
        let parts = trimmed.dropFirst().split(separator: " ", maxSplits: 1).map(String.init)
        guard let first = parts.first else { throw SimulatorError("a command follows the slash, e.g. /help") }
        let name = first.lowercased()
        let rest = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        let words = rest.split(separator: " ").map(String.init)
        func optional(_ text: String) -> String? { text.isEmpty ? nil : text }
        switch name {
        case "text":
            // An empty message is not something WhatsApp delivers.
            guard !rest.isEmpty else { throw SimulatorError("usage: /text TEXT: sends TEXT as typed, e.g. /text 1") }
            return .act(.say(rest))
        case "tap":
            guard !rest.isEmpty else { throw SimulatorError("usage: /tap TITLE or /tap N: taps a choice, as typing it does") }
            return .act(.tap(rest))
        case "image", "video", "sticker":
            let kind = MediaKind(rawValue: name) ?? .image
            return .act(.media(kind, caption: name == "sticker" ? nil : optional(rest), filename: nil, voice: false))
        case "audio": return .act(.media(.audio, caption: nil, filename: nil, voice: false))
        case "voice": return .act(.media(.audio, caption: nil, filename: nil, voice: true))
        case "document":
            return .act(.media(.document, caption: nil, filename: optional(rest) ?? "document.pdf", voice: false))
        case "location":
            let pieces = rest.split(separator: " ", maxSplits: 1).map(String.init)
            let coordinates = (pieces.first ?? "").split(separator: ",").compactMap { Double($0) }
            guard coordinates.count == 2, let latitude = coordinates.first, let longitude = coordinates.last else {
                throw SimulatorError("usage: /location LAT,LON [NAME], e.g. /location 52.37,4.89 Dam Square")
            }
            guard Coordinates.areValid(latitude: latitude, longitude: longitude) else {
                throw SimulatorError("a location is a latitude from -90 to 90 and a longitude from -180 to 180, e.g. /location 52.37,4.89")
            }
            return .act(.location(latitude: latitude, longitude: longitude, name: pieces.count > 1 ? pieces[1] : nil))
        case "contact":
            guard words.count >= 2, let phone = words.last else { throw SimulatorError("usage: /contact NAME PHONE, e.g. /contact Bo +31612345678") }
            return .act(.contact(name: words.dropLast().joined(separator: " "), phone: phone))
        case "react": return .act(.react(rest))
        case "wait":
            guard let span = TimeSpan(parsing: rest), TimeSpan.problem(with: rest) == nil else {
                throw SimulatorError("usage: /wait 25h (or 30m, 2d, 1h30m): the length \(TimeSpan.problem(with: rest) ?? "must be a length of time")")
            }
            return .act(.wait(span))
        case "at":
            guard let time = Timestamp(iso8601: rest) else { throw SimulatorError("usage: /at 2026-11-22T09:00:00Z (or 2026-11-22 09:00, UTC)") }
            return .act(.at(time))
        case "trigger":
            guard let node = words.first else { throw SimulatorError("usage: /trigger NODE [key=value ...]") }
            var parameters: [String: String] = [:]
            for pair in words.dropFirst() {
                let halves = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard halves.count == 2 else { throw SimulatorError("parameters are key=value; '\(pair)' is not") }
                parameters[halves[0]] = halves[1]
            }
            return .act(.trigger(node: node, parameters: parameters))
        case "late":
            let pieces = rest.split(separator: " ", maxSplits: 1).map(String.init)
            guard pieces.count == 2, let span = TimeSpan(parsing: pieces[0]), TimeSpan.problem(with: pieces[0]) == nil else {
                throw SimulatorError("usage: /late 30h TEXT: a message the customer sent 30 hours ago, delivered now")
            }
            return .act(.sayLate(pieces[1], sent: .ago(span)))
        case "say-at":
            let pieces = rest.split(separator: " ", maxSplits: 1).map(String.init)
            guard pieces.count == 2, let time = Timestamp(iso8601: pieces[0]) else {
                throw SimulatorError("usage: /say-at 2026-11-03T09:59:30Z TEXT: a message sent at that time, delivered now")
            }
            return .act(.sayLate(pieces[1], sent: .at(time)))
        case "status":
            var words = words[...]
            var number: Int64?
            if let first = words.first, first.hasPrefix("#") {
                guard let value = Int64(first.dropFirst()), value > 0 else {
                    throw SimulatorError("a message number is #1, #2, …, as the transcript shows")
                }
                number = value
                words = words.dropFirst()
            }
            guard let word = words.first, let state = DeliveryStatus.State(rawValue: word.lowercased()) else {
                throw SimulatorError("usage: /status [#N] sent|delivered|read|played|failed [CODE], e.g. /status #3 failed 131047")
            }
            let rest = words.dropFirst()
            let code = rest.first.flatMap { Int($0) }
            if rest.first != nil, code == nil { throw SimulatorError("the error code must be a number, e.g. 131047") }
            return .act(.status(state, code: code, message: number))
        case "release": return .act(.release)
        case "reset": return .act(.reset)
        case "state": return .state
        case "help", "?": return .help
        case "quit", "exit", "q": return .quit
        default:
            throw SimulatorError("unknown command /\(name); type /help for the list")
        }
    }

    public static let helpText = """
        What the customer can do:
          any text              send it as a message
          1, 2, … or a title    tap that button, list row or quick reply
          /text 1               send the text "1" instead of tapping (/tap 1 taps, as typing 1 does)
          /image [caption]      send an image (also /video [caption], /audio, /voice, /sticker)
          /document NAME        send a document
          /location LAT,LON [NAME]   share a location
          /contact NAME PHONE   share a contact card
          /react EMOJI          react to the bot's last message (/react alone removes it)
        The clock and the business:
          /wait 25h             move the clock (30m, 2d, 1h30m); due timers fire in order
          /at TIME              jump to a time (2026-11-22T09:00:00Z)
          /trigger NODE [k=v …] the business starts the flow at NODE
          /status [#N] STATE [CODE]  a status (sent, delivered, read, played, failed) for the bot's
                                message #N, or its last (e.g. /status #3 failed 131047)
          /late 30h TEXT        a message the customer sent 30 hours ago, delivered only now
          /say-at TIME TEXT     a message sent at TIME (2026-11-03T09:59:30Z), delivered now
          /release              a person hands the contact back to the bot
        And:
          /state                node, variables, the window, timers, what the conversation cost
          /reset                forget the contact and start over
          /help, /quit
        """
}

/// Where a shared location may be on Earth.
enum Coordinates {
    static func areValid(latitude: Double, longitude: Double) -> Bool {
        latitude.isFinite && longitude.isFinite && (-90...90).contains(latitude) && (-180...180).contains(longitude)
    }
}
