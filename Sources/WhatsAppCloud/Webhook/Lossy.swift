/// One element of a webhook list, decoded on its own: a badly shaped message costs only itself,
/// not its siblings. A failure keeps the decoder's reason, and the element's place for a dead letter.
public enum Lossy<Value: Decodable & Sendable>: Decodable, Sendable {
    case value(Value)
    case failed(String)

    public init(from decoder: any Decoder) throws {
        do {
            self = .value(try Value(from: decoder))
        } catch {
            self = .failed(String(describing: error))
        }
    }

    public var value: Value? {
        if case .value(let value) = self { return value }
        return nil
    }

    /// Why the element could not be decoded; nil when it was.
    public var failure: String? {
        if case .failed(let reason) = self { return reason }
        return nil
    }
}

/// JSON text the platform may send that Foundation refuses: a `\ud800` escape with no partner
/// is valid JSON syntax but not a character. Such escapes become `\ufffd` (the replacement
/// character) so the rest of the message is kept; everything else is left byte for byte.
public enum JSONRepair {
    public static func replacingLoneSurrogates(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(0x5C) else { return bytes }  // no backslash, nothing to do
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 0x5C, index + 1 < bytes.count else {
                output.append(byte)
                index += 1
                continue
            }
            guard bytes[index + 1] == 0x75, let unit = hex4(bytes, at: index + 2) else {
                // Any other escape (`\\`, `\"`, `\n`): copy both bytes, so `\\ud800` stays text.
                output.append(byte)
                output.append(bytes[index + 1])
                index += 2
                continue
            }
            switch unit {
            case 0xD800...0xDBFF:
                if index + 12 <= bytes.count, bytes[index + 6] == 0x5C, bytes[index + 7] == 0x75,
                    let low = hex4(bytes, at: index + 8), (0xDC00...0xDFFF).contains(low)
                {
                    output.append(contentsOf: bytes[index..<(index + 12)])
                    index += 12
                } else {
                    output.append(contentsOf: Array(#"\ufffd"#.utf8))
                    index += 6
                }
            case 0xDC00...0xDFFF:
                output.append(contentsOf: Array(#"\ufffd"#.utf8))
                index += 6
            default:
                output.append(contentsOf: bytes[index..<(index + 6)])
                index += 6
            }
        }
        return output
    }

    private static func hex4(_ bytes: [UInt8], at start: Int) -> Int? {
        guard start >= 0, start + 4 <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[start..<(start + 4)] {
            guard let digit = ASCII.hexValue(byte) else { return nil }
            value = value * 16 + Int(digit)
        }
        return value
    }
}
