/// The desk's pages as Mustache templates (swift-mustache escapes every `{{value}}` as HTML; no
/// template uses the unescaped forms). Kept in the binary, so a deployed server needs no files
/// beside it.
enum DeskTemplates {
    static let all: [String: String] = [
        "head": head, "foot": foot, "login": login, "list": list, "conversation": conversation,
    ]

    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        {{#frame}}
        <title>{{title}} · Flowgate desk</title>
        <link rel="stylesheet" href="/desk/assets/desk.css">
        <script src="/desk/assets/desk.js" defer></script>
        </head>
        <body data-alert-before="{{alertBeforeMs}}" data-now="{{nowMs}}" data-page="{{page}}">
        <header class="top">
          <a class="brand" href="/desk">Flowgate desk</a>
          {{#agent}}
          <span class="who">Signed in as <strong>{{agent}}</strong></span>
          <form method="post" action="/desk/logout" class="inline">
            <input type="hidden" name="csrf" value="{{frame.csrf}}">
            <button type="submit" id="logout">Sign out</button>
          </form>
          {{/agent}}
        </header>
        {{/frame}}
        <main id="content">

        """

    static let foot = """

        </main>
        </body>
        </html>
        """

    static let login = """
        {{> head}}
        <section class="login">
          <h1>Sign in</h1>
          {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
          <form method="post" action="/desk/login">
            <input type="hidden" name="csrf" value="{{frame.csrf}}">
            <label>Your desk token <input type="password" name="token" id="token" autocomplete="current-password" required></label>
            <button type="submit" id="sign-in">Sign in</button>
          </form>
        </section>
        {{> foot}}
        """

    static let list = """
        {{> head}}
        <nav class="filters">
          <a href="/desk" class="{{#all}}on{{/all}}">All</a>
          <a href="/desk?filter=needs" class="{{#needs}}on{{/needs}}">Needs a person</a>
          <a href="/desk?filter=closing" class="{{#closing}}on{{/closing}}">Closing within an hour</a>
          <a href="/desk?filter=closed" class="{{#closed}}on{{/closed}}">Closed</a>
        </nav>
        <table class="conversations">
          <thead><tr><th>Customer</th><th>Who has it</th><th>Last message</th><th>Window</th></tr></thead>
          <tbody>
          {{#rows}}
          <tr class="row {{owner.style}}" data-contact="{{key}}">
            <td><a href="{{path}}" class="name">{{name}}</a><br><span class="number">+{{number}}</span></td>
            <td class="owner">{{owner.text}}</td>
            <td class="last">{{last}}<br><span class="at">{{lastAt}}</span></td>
            <td><span class="window {{window.style}}" data-closes-at="{{window.closesAt}}" data-watch="{{owner.watched}}">{{window.text}}</span></td>
          </tr>
          {{/rows}}
          {{^rows}}<tr><td colspan="4" class="empty">No conversations here.</td></tr>{{/rows}}
          </tbody>
        </table>
        {{> foot}}
        """

    static let conversation = """
        {{> head}}
        <p class="back"><a href="/desk">← All conversations</a></p>
        <section class="conversation" data-contact="{{key}}">
          <header class="contact">
            <h1>{{name}} <span class="number">+{{number}}</span></h1>
            <p class="owner {{owner.style}}">{{owner.text}}</p>
            <p><span class="window {{window.style}}" data-closes-at="{{window.closesAt}}" data-watch="{{owner.watched}}" id="window">{{window.text}}</span></p>
            <div class="actions">
              {{#canTake}}
              <form method="post" action="{{path}}/take" class="inline">
                <input type="hidden" name="csrf" value="{{frame.csrf}}">
                <button type="submit" id="take-over">Take over</button>
              </form>
              {{/canTake}}
              {{#canRelease}}
              <form method="post" action="{{path}}/release" class="inline">
                <input type="hidden" name="csrf" value="{{frame.csrf}}">
                <button type="submit" id="hand-back">Hand back to the bot</button>
              </form>
              {{/canRelease}}
            </div>
          </header>
          {{#error}}<p class="error" role="alert" id="error">{{error}}</p>{{/error}}
          <ol class="transcript">
            {{#messages}}
            <li class="message {{direction}}">
              <span class="meta">{{at}}{{#by}} · {{by}}{{/by}} · {{kind}}</span>
              <span class="text">{{text}}</span>
              {{#ticks}}<span class="ticks {{tickClass}}" title="{{status}}">{{ticks}}</span>{{/ticks}}
              {{#failure}}<span class="failure">{{failure}}</span>{{/failure}}
            </li>
            {{/messages}}
            {{^messages}}<li class="empty">Nothing logged yet.</li>{{/messages}}
          </ol>
          {{#mine}}
          {{#window.isOpen}}
          <form method="post" action="{{path}}/reply" class="reply" id="reply-form">
            <input type="hidden" name="csrf" value="{{frame.csrf}}">
            <label for="reply">Reply <span class="hint">(free-form, while the window is open)</span></label>
            <textarea name="text" id="reply" rows="3" maxlength="4096" required></textarea>
            <button type="submit" id="send">Send</button>
          </form>
          {{/window.isOpen}}
          {{^window.isOpen}}
          <section class="templates" id="template-picker">
            <h2>The window is closed: send a template</h2>
            <p class="hint">WhatsApp allows only approved templates until the customer writes again.</p>
            {{#templates}}
            <form method="post" action="{{path}}/template" class="template" data-body="{{body}}">
              <input type="hidden" name="csrf" value="{{frame.csrf}}">
              <input type="hidden" name="template" value="{{key}}">
              <h3>{{name}} <span class="category">{{category}} · {{language}}</span></h3>
              {{#parameters}}
              <label>{{label}} <input type="text" name="p{{index}}" class="parameter" data-index="{{index}}" required></label>
              {{/parameters}}
              <p class="preview"><span class="label">The customer sees:</span> <span class="preview-text">{{body}}</span></p>
              <div class="buttons">{{#buttons}}<span class="button-preview">{{.}}</span>{{/buttons}}</div>
              <button type="submit" class="send-template">Send template</button>
            </form>
            {{/templates}}
            {{^templates}}<p>This flow declares no template a person can fill in here.</p>{{/templates}}
          </section>
          {{/window.isOpen}}
          {{/mine}}
          <details class="variables">
            <summary>Flow variables</summary>
            <dl>{{#variables}}<dt>{{name}}</dt><dd>{{value}}</dd>{{/variables}}</dl>
          </details>
        </section>
        {{> foot}}
        """
}
