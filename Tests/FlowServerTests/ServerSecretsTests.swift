import FlowServer
import Testing

@Suite("secrets from the environment") struct ServerSecretsTests {
    @Test("missing or empty secrets are named together; present ones are read, the admin token optional")
    func environment() throws {
        let config = ServerConfig()
        let error = #expect(throws: ServerError.self) {
            try ServerSecrets.fromEnvironment(config, environment: ["WHATSAPP_APP_SECRET": "s", "WHATSAPP_VERIFY_TOKEN": ""])
        }
        #expect(error?.description == "set the environment variables WHATSAPP_VERIFY_TOKEN, WHATSAPP_ACCESS_TOKEN")
        let secrets = try ServerSecrets.fromEnvironment(
            config,
            environment: ["WHATSAPP_APP_SECRET": "s", "WHATSAPP_VERIFY_TOKEN": "v", "WHATSAPP_ACCESS_TOKEN": "a", "FLOWGATE_ADMIN_TOKEN": ""]
        )
        #expect(secrets.appSecret == "s" && secrets.verifyToken == "v" && secrets.accessToken == "a" && secrets.adminToken == nil)
    }
}
