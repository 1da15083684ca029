import Foundation

extension Encodable {
    /// Compact JSON with sorted keys, so the same value always gives the same bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// ``jsonData()`` as a string.
    public func jsonString() -> String {
        (try? jsonData()).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension Decodable {
    /// The value `text` holds as JSON (the inverse of ``Swift/Encodable/jsonString()``).
    public init(jsonText text: String) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(text.utf8))
    }
}
