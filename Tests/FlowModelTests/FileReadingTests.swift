import FlowModel
import Foundation
import Testing

/// What is not a readable UTF-8 file gets one sentence that says what it is, never a platform
/// error code, and a pipe is never opened (it would hang).
struct FileReadingTests {
    func problem(_ path: String) -> Diagnostic? {
        FlowLoader.load(file: path).diagnostics.first
    }

    @Test("a device, a folder, a missing path, a pipe and non-UTF-8 bytes each say what they are")
    func unreadable() throws {
        #expect(problem("/dev/null")?.message.contains("not a regular file") == true)
        #expect(problem(NSTemporaryDirectory())?.message.contains("is a folder") == true)
        #expect(problem("/no/such/flow.yaml")?.message.contains("there is no file") == true)
        let fifo = NSTemporaryDirectory() + "flowgate-fifo-\(UUID().uuidString)"
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        #expect(problem(fifo)?.message.contains("not a regular file") == true)
        let utf16 = NSTemporaryDirectory() + "flowgate-utf16-\(UUID().uuidString).yaml"
        try #require(FileManager.default.createFile(atPath: utf16, contents: Data([0xFF, 0xFE, 0x66, 0x00, 0xC3])))
        defer { try? FileManager.default.removeItem(atPath: utf16) }
        #expect(problem(utf16)?.message.contains("not UTF-8") == true)
        for path in ["/dev/null", NSTemporaryDirectory(), fifo, utf16] {
            #expect(problem(path)?.rule == .unreadableFile)
            #expect(problem(path)?.message.contains("NSCocoaErrorDomain") == false)
        }
    }

    @Test("libyaml's nesting limit is said in a designer's words")
    func nesting() {
        let found = diagnose("flow: " + String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000) + "\n")
        #expect(found.contains { $0.message.contains("nests lists or mappings too deeply") })
        #expect(!found.contains { $0.message.contains("yaml_set_max_nest_level") || ($0.hint ?? "").contains("quoted") })
    }
}
