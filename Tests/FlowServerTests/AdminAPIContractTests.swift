import FlowServer
import FlowServerTesting
import Foundation
import NIOHTTP1
import Testing
import Yams

/// `docs/admin-api.yaml` against the running server: every operation it lists is called, and
/// every answer, errors included, must match the schema the document gives for its status.
@Suite("admin API contract") struct AdminAPIContractTests {
    /// The OpenAPI document, and a checker for the parts of JSON Schema it uses (types,
    /// required, properties, additionalProperties, items, $ref).
    struct Contract {
        let document: [String: Any]

        init() throws {
            let text = try String(contentsOf: repository.appendingPathComponent("docs/admin-api.yaml"), encoding: .utf8)
            document = try #require(try Yams.load(yaml: text) as? [String: Any])
        }

        var operations: Set<String> {
            let paths = document["paths"] as? [String: [String: Any]] ?? [:]
            return Set(
                paths.flatMap { path, item in
                    item.keys.filter { ["get", "post", "put", "delete", "patch"].contains($0) }.map { "\($0.uppercased()) \(path)" }
                }
            )
        }

        func schema(for operation: String, status: Int) -> [String: Any]? {
            let parts = operation.split(separator: " ", maxSplits: 1).map(String.init)
            let paths = document["paths"] as? [String: [String: Any]]
            guard parts.count == 2, let item = paths?[parts[1]]?[parts[0].lowercased()] as? [String: Any],
                var response = (item["responses"] as? [String: Any])?["\(status)"] as? [String: Any]
            else { return nil }
            if let ref = response["$ref"] as? String { response = resolve(ref) }
            let content = (response["content"] as? [String: Any])?["application/json"] as? [String: Any]
            return content?["schema"] as? [String: Any]
        }

        func resolve(_ ref: String) -> [String: Any] {
            var node: Any = document
            for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] ?? [:] }
            return node as? [String: Any] ?? [:]
        }

        /// Every way `value` breaks `schema`, as JSON paths.
        func problems(_ value: Any, _ schema: [String: Any], at path: String = "$") -> [String] {
            if let ref = schema["$ref"] as? String { return problems(value, resolve(ref), at: path) }
            switch schema["type"] as? String {
            case "object":
                guard let object = value as? [String: Any] else { return ["\(path): not an object"] }
                var found: [String] = []
                let properties = schema["properties"] as? [String: [String: Any]] ?? [:]
                for key in schema["required"] as? [String] ?? [] where object[key] == nil { found.append("\(path).\(key): missing") }
                for (key, item) in object {
                    if let property = properties[key] {
                        found += problems(item, property, at: "\(path).\(key)")
                    } else if let extra = schema["additionalProperties"] as? [String: Any] {
                        found += problems(item, extra, at: "\(path).\(key)")
                    } else if schema["additionalProperties"] as? Bool == false {
                        found.append("\(path).\(key): not in the schema")
                    }
                }
                return found
            case "array":
                guard let array = value as? [Any] else { return ["\(path): not an array"] }
                let items = schema["items"] as? [String: Any] ?? [:]
                return array.enumerated().flatMap { problems($1, items, at: "\(path)[\($0)]") }
            case "string": return value is String ? [] : ["\(path): not a string"]
            // Foundation reads `true` as a boolean number whose type name says so; 1 is a plain one.
            case "boolean": return "\(type(of: value))".contains("Boolean") ? [] : ["\(path): not a boolean"]
            case "integer": return value is NSNumber && !"\(type(of: value))".contains("Boolean") ? [] : ["\(path): not an integer"]
            default: return []
            }
        }
    }

    @Test("every operation in docs/admin-api.yaml answers as the document says, errors included")
    func contract() async throws {
        let contract = try Contract()
        let graph = try await FakeGraph()
        let server = try await TestServer(flow: "auto-ack", database: temporaryDatabase(), graph: graph, clock: ManualClock(start: start))
        let number = phoneNumberID
        var called: Set<String> = []
        var failures: [String] = []

        func call(_ operation: String, _ method: HTTPMethod, _ path: String, body: String? = nil, token: Bool = true, expect status: Int) async throws
        {
            called.insert(operation)
            let answer = try await server.request(
                method,
                path,
                body: body.map { Array($0.utf8) },
                headers: token ? [("Authorization", "Bearer \(adminToken)")] : []
            )
            guard answer.status == status else {
                failures.append("\(method) \(path): \(answer.status), expected \(status): \(answer.body)")
                return
            }
            guard let schema = contract.schema(for: operation, status: status) else {
                failures.append("\(operation): the document has no \(status) answer")
                return
            }
            guard let json = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8), options: [.fragmentsAllowed]) else {
                failures.append("\(method) \(path) \(status): not JSON: '\(answer.body)'")
                return
            }
            failures += contract.problems(json, schema).map { "\(method) \(path) \(status): \($0)" }
        }

        let contact = "/admin/contacts/{number}/{contact}"
        let base = "/admin/contacts/\(number)/31612345678"
        try await call("GET \(contact)", .GET, base, expect: 404)  // never wrote
        #expect(try await server.webhook(Payload.text("hello", id: "wamid.contract.1")) == 200)
        try await eventually("the contact is stored") { (try? await server.admin(.GET, "31612345678").status) == 200 }
        try await call("GET \(contact)", .GET, base, expect: 200)
        try await call("GET \(contact)", .GET, base, token: false, expect: 401)
        try await call("POST \(contact)/start", .POST, base + "/start", body: #"{"node": "ack"}"#, expect: 200)
        try await call("POST \(contact)/start", .POST, base + "/start", body: #"{"node": "nowhere"}"#, expect: 400)
        try await call("POST \(contact)/start", .POST, base + "/start", body: "not json", expect: 400)
        try await call("POST \(contact)/start", .POST, "/admin/contacts/999/31612345678/start", body: #"{"node": "ack"}"#, expect: 404)
        try await call("POST \(contact)/start", .POST, base + "/start", body: #"{"node": "with_agent"}"#, expect: 200)
        try await call("POST \(contact)/start", .POST, base + "/start", body: #"{"node": "ack"}"#, expect: 409)  // a person has it
        try await call("POST \(contact)/release", .POST, base + "/release", expect: 200)
        try await call("GET /admin/outbox/failed", .GET, "/admin/outbox/failed?limit=5", expect: 200)
        try await call("GET /admin/outbox/failed", .GET, "/admin/outbox/failed", token: false, expect: 401)
        try await call("POST /admin/outbox/{id}/retry", .POST, "/admin/outbox/42/retry", expect: 404)
        try await call("POST /admin/outbox/{id}/retry", .POST, "/admin/outbox/x/retry", expect: 400)

        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(called == contract.operations, "documented but not called: \(contract.operations.subtracting(called).sorted())")

        // A path the API does not have answers in the same error shape.
        let unknown = try await server.request(.GET, "/admin/nothing-here", headers: [("Authorization", "Bearer \(adminToken)")])
        #expect(unknown.status == 404)
        #expect(
            contract.problems(try JSONSerialization.jsonObject(with: Data(unknown.body.utf8)), contract.resolve("#/components/schemas/Error"))
                .isEmpty,
            "\(unknown.body)"
        )
        try await server.stop()
        try await graph.stop()
    }
}
