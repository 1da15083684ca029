/// Digits in the ASCII range, the one place Flowgate reads them byte by byte (signatures, JSON
/// escapes, YAML numbers, lengths of time) and writes bytes as hex (signatures, MACs).
public enum ASCII {
    /// The value of a decimal digit byte, `0` to `9`; nil for anything else.
    public static func digitValue(_ byte: UInt8) -> UInt8? {
        (0x30...0x39).contains(byte) ? byte - 0x30 : nil
    }

    /// The value of a hexadecimal digit byte, `0`-`9`, `a`-`f` or `A`-`F`; nil for anything else.
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// The bytes as lowercase hexadecimal, two digits each.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

extension Character {
    /// `0` to `9` only: `Character.isNumber` also holds for `٢` and `²`, which `Int(_:)` cannot read.
    public var isASCIIDigit: Bool { isASCII && isNumber }
}
