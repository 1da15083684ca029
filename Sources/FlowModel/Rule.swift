/// The name of every check the loader and validator make; it is printed in brackets after each
/// diagnostic and documented in `docs/validation.md`.
public enum Rule: String, Hashable, Sendable, Codable, CaseIterable {
    // MARK: Reading the file
    case yamlSyntax = "yaml-syntax"
    case duplicateKey = "duplicate-key"
    case unknownKey = "unknown-key"
    case missingKey = "missing-key"
    case wrongType = "wrong-type"
    case invalidValue = "invalid-value"
    case nodeKind = "node-kind"
    case reservedName = "reserved-name"
    case duplicateFlow = "duplicate-flow"
    case unreadableFile = "unreadable-file"

    // MARK: WhatsApp limits
    case buttonCount = "button-count"
    case buttonTitleLength = "button-title-length"
    case buttonTitleUnique = "button-title-unique"
    case buttonIDLength = "button-id-length"
    case buttonIDUnique = "button-id-unique"
    case listButtonLength = "list-button-length"
    case listSectionCount = "list-section-count"
    case listRowCount = "list-row-count"
    case listSectionTitleLength = "list-section-title-length"
    case listSectionTitleRequired = "list-section-title-required"
    case listRowTitleLength = "list-row-title-length"
    case listRowDescriptionLength = "list-row-description-length"
    case listRowIDLength = "list-row-id-length"
    case listRowIDUnique = "list-row-id-unique"
    case headerLength = "header-length"
    case bodyLength = "body-length"
    case footerLength = "footer-length"
    case textLength = "text-length"
    case captionLength = "caption-length"
    case captionNotAllowed = "caption-not-allowed"
    case ctaDisplayTextLength = "cta-display-text-length"
    case contactsCount = "contacts-count"
    case templateName = "template-name"
    case templateBodyLength = "template-body-length"
    case templateHeaderLength = "template-header-length"
    case templateFooterLength = "template-footer-length"
    case templateButtonLabelLength = "template-button-label-length"
    case templateButtonCount = "template-button-count"
    case templatePlaceholders = "template-placeholders"
    case templateParamCount = "template-param-count"
    case unknownTemplate = "unknown-template"
    case unknownQuickReply = "unknown-quick-reply"
    case variableBudget = "variable-budget"

    // MARK: Variables
    case unknownVariable = "unknown-variable"

    // MARK: The graph
    case unknownStart = "unknown-start"
    case unknownTarget = "unknown-target"
    case unreachableNode = "unreachable-node"
    case busyLoop = "busy-loop"
    case deadEnd = "dead-end"

    // MARK: The session window
    case missingReentry = "missing-reentry"
    case reentryNotTemplate = "reentry-not-template"
    case reentryWithoutReply = "reentry-without-reply"
    case reentryLoop = "reentry-loop"
    case beforeExpiryMargin = "before-expiry-margin"
    case templateParamUnset = "template-param-unset"
}
