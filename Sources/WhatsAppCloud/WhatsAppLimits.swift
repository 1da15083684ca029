/// Every WhatsApp Cloud API limit Flowgate enforces, in one table.
///
/// Each figure names its source. "Meta OpenAPI" is Meta's own OpenAPI description of the
/// Business Messaging API v23.0 (public repository facebook/openapi); "third-party" marks a
/// figure found only in copies of Meta's pages, likely but unconfirmed. When the platform changes
/// a figure, this table is the one place to edit: the validator, the engine's truncation policy
/// and the docs all read it.
///
/// Lengths are counted in UTF-16 code units, the conservative choice: an emoji may count twice,
/// so a text that passes here never exceeds the platform's own count.
public enum WhatsAppLimits {
    // MARK: Customer service window

    /// Hours a customer service window stays open after the customer's last message.
    /// Source: Meta, "Customer service windows" (messaging overview).
    public static let serviceWindowHours = 24

    // MARK: Text

    /// Characters in a text message body. Source: Meta text messages page; Meta OpenAPI.
    public static let textBody = 4096

    // MARK: Interactive messages

    /// Most reply buttons in one message (at least one). Source: Meta OpenAPI (maxItems 3).
    public static let replyButtonsMax = 3
    /// Characters in a reply button title. Source: Meta OpenAPI.
    public static let replyButtonTitle = 20
    /// Characters in a reply button id. Source: Meta OpenAPI; duplicates fail with 131009.
    public static let replyButtonID = 256
    /// Characters in an interactive header text. Source: Meta OpenAPI.
    public static let headerText = 60
    /// Characters in an interactive body. Source: Meta OpenAPI.
    public static let interactiveBody = 1024
    /// Characters in an interactive footer. Source: Meta OpenAPI.
    public static let footer = 60
    /// Characters in a list message's button label. Source: Meta OpenAPI.
    public static let listButtonLabel = 20
    /// Most sections in a list message (at least one). Source: Meta OpenAPI; Meta list page.
    public static let listSectionsMax = 10
    /// Most rows in a list message, counted across all sections. Source: Meta list page.
    public static let listRowsMax = 10
    /// Characters in a list section title (required with more than one section).
    /// Source: Meta OpenAPI; Meta list page.
    public static let listSectionTitle = 24
    /// Characters in a list row title. Source: Meta OpenAPI.
    public static let listRowTitle = 24
    /// Characters in a list row description. Source: Meta OpenAPI.
    public static let listRowDescription = 72
    /// Characters in a list row id. Source: Meta OpenAPI.
    public static let listRowID = 200
    /// Characters in a CTA URL button's display text. Source: third-party copy of Meta's CTA page.
    public static let ctaDisplayText = 20

    // MARK: Media and other messages

    /// Characters in a media caption (image, video and document only). Source: Meta media pages.
    public static let caption = 1024
    /// Most contacts in one outbound contacts message. Source: Meta OpenAPI.
    public static let contactsPerMessage = 5

    // MARK: Templates

    /// Characters in a template name (lowercase letters, digits, underscores). Source: Meta.
    public static let templateName = 512
    /// Characters in a template body. Source: third-party copies of Meta's template guidelines.
    public static let templateBody = 1024
    /// Characters in a template text header. Source: Meta template guidelines.
    public static let templateHeader = 60
    /// Characters in a template footer. Source: third-party copies of Meta's template guidelines.
    public static let templateFooter = 60
    /// Most buttons on a template. Source: third-party copies of Meta's template guidelines.
    public static let templateButtonsMax = 10
    /// Most URL buttons on a template. Source: Meta template guidelines.
    public static let templateURLButtonsMax = 2
    /// Most phone-number buttons on a template. Source: Meta template guidelines.
    public static let templatePhoneButtonsMax = 1
    /// Characters in a template quick-reply (or other) button label. Source: third-party copies.
    public static let templateButtonLabel = 25

    // MARK: Throughput

    /// Messages per second per business number by default (raised automatically to 1,000).
    /// Source: Meta throughput page.
    public static let defaultMessagesPerSecond = 80
}

extension String {
    /// The length WhatsApp's limits are checked against: UTF-16 code units (see ``WhatsAppLimits``).
    public var whatsAppLength: Int { utf16.count }
}
