#!/usr/bin/env python3
"""The desk in a real browser: Chromium (Debian's) driven by Playwright for Python.

Starts a real `flowgate-server serve` on the order-support flow with a fake Graph API and signed
webhooks, then uses /desk as a person would. Run from the repository root:

    swift build --product flowgate-server
    python3 Tests/browser/desk_test.py            # FLOWGATE_UPDATE_SCREENSHOTS=1 rewrites docs/desk/*.png

Needs `pip install playwright` and Chromium at /usr/bin/chromium (`apt-get install chromium`);
.ci/run installs both.
"""

import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from fake_graph import FakeGraph, eventually, free_port  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SERVER = os.environ.get("FLOWGATE_SERVER", os.path.join(ROOT, ".build", "debug", "flowgate-server"))
CHROMIUM = os.environ.get("FLOWGATE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.path.join(ROOT, "docs", "desk")
NUMBER = "106540352242922"
ACK_NUMBER = "106540352242923"  # a second business number, on the auto-ack flow (no session margin)
APP_SECRET = "browser-test-app-secret"
TOKEN = "ana-browser-test-token-0123456789"


class Flowgate:
    """A real `flowgate-server serve` with the desk on, in a folder of its own."""

    def __init__(self, graph_port):
        self.folder = tempfile.mkdtemp(prefix="flowgate-desk-")
        self.port = free_port()
        config = os.path.join(self.folder, "flowgate.yaml")
        with open(config, "w") as f:
            f.write(f"""
listen: {{ host: 127.0.0.1, port: {self.port} }}
graph: {{ base_url: "http://127.0.0.1:{graph_port}", version: v23.0 }}
store: {{ sqlite: {self.folder}/flowgate.sqlite }}
numbers:
  - {{ phone_number_id: "{NUMBER}", flow: {ROOT}/flows/order-support.yaml }}
  - {{ phone_number_id: "{ACK_NUMBER}", flow: {ROOT}/flows/auto-ack.yaml }}
desk:
  agents:
    - {{ name: Ana, token_env: FLOWGATE_AGENT_ANA }}
  alert_before: 1h
env: {{ app_secret: APP_SECRET, verify_token: VERIFY_TOKEN, access_token: ACCESS_TOKEN }}
""")
        env = dict(os.environ, APP_SECRET=APP_SECRET, VERIFY_TOKEN="verify", ACCESS_TOKEN="access", FLOWGATE_AGENT_ANA=TOKEN)
        self.log = open(os.path.join(self.folder, "server.log"), "w")
        self.process = subprocess.Popen([SERVER, "serve", "--config", config, "--log-level", "warning"], env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"

        def ready():
            try:
                return urllib.request.urlopen(self.base + "/readyz", timeout=1).status == 200
            except OSError:
                if self.process.poll() is not None:
                    raise AssertionError("flowgate-server exited: " + open(self.log.name).read())
                return False
        eventually("the server is ready", ready, within=30)

    def webhook(self, contact, text, sent_at=None, name="Ana", message_id=None, number=NUMBER):
        sent_at = int(sent_at if sent_at is not None else time.time())
        message = {"from": contact, "id": message_id or "wamid.in.%s.%f" % (contact, time.time()), "timestamp": str(sent_at),
                   "type": "text", "text": {"body": text}}
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881", "phone_number_id": number},
            "contacts": [{"profile": {"name": name}, "wa_id": contact}], "messages": [message]}}]}]}).encode()
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(self.base + "/webhook", data=body, method="POST",
                                         headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})
        assert urllib.request.urlopen(request, timeout=10).status == 200

    def status(self, contact, wamid, state):
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881", "phone_number_id": NUMBER},
            "statuses": [{"id": wamid, "status": state, "timestamp": str(int(time.time())), "recipient_id": contact}]}}]}]}).encode()
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(self.base + "/webhook", data=body, method="POST",
                                         headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})
        assert urllib.request.urlopen(request, timeout=10).status == 200

    def stop(self, within=30):
        self.process.terminate()
        try:
            self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class DeskInBrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.graph = FakeGraph()
        cls.server = Flowgate(cls.graph.port)
        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

    @classmethod
    def tearDownClass(cls):
        # Stopped with a page still open and listening: the stop must not wait for it (the grace
        # period is 30 s; the server must be gone well within 10).
        context = cls.browser.new_context()
        page = context.new_page()
        page.goto(cls.server.base + "/desk/login")
        page.fill("#token", TOKEN)
        page.click("#sign-in")
        expect(page).to_have_url(re.compile(r"/desk$"))
        try:
            cls.server.stop(within=10)
        finally:
            cls.browser.close()
            cls.playwright.stop()
            cls.graph.shutdown()

    def setUp(self):
        self.context = self.browser.new_context(viewport={"width": 1200, "height": 800})
        self.page = self.context.new_page()
        self.dialogs = []
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))

    def tearDown(self):
        self.context.close()

    def sign_in(self):
        self.page.goto(self.server.base + "/desk")
        expect(self.page).to_have_url(re.compile(r"/desk/login$"))
        self.page.fill("#token", TOKEN)
        self.page.click("#sign-in")
        expect(self.page).to_have_url(re.compile(r"/desk$"))

    def row(self, contact, number=NUMBER):
        return self.page.locator(f'tr[data-contact="{number}:{contact}"]')

    def open_conversation(self, contact):
        self.page.goto(f"{self.server.base}/desk/c/{NUMBER}/{contact}")

    def screenshot(self, name):
        if os.environ.get("FLOWGATE_UPDATE_SCREENSHOTS") == "1":
            os.makedirs(SCREENSHOTS, exist_ok=True)
            self.page.screenshot(path=os.path.join(SCREENSHOTS, name + ".png"), full_page=True)

    def test_sign_in_and_out(self):
        self.page.goto(self.server.base + "/desk")
        expect(self.page).to_have_url(re.compile(r"/desk/login$"))
        self.screenshot("sign-in")
        self.page.fill("#token", "not-a-token")
        self.page.click("#sign-in")
        expect(self.page.locator(".error")).to_contain_text("signs no one in")
        self.page.fill("#token", TOKEN)
        self.page.click("#sign-in")
        expect(self.page.locator(".who")).to_contain_text("Ana")
        self.page.click("#logout")
        expect(self.page).to_have_url(re.compile(r"/desk/login$"))
        self.page.goto(self.server.base + "/desk")
        expect(self.page).to_have_url(re.compile(r"/desk/login$"), timeout=5000)

    def test_new_conversation_appears_with_its_countdown(self):
        self.sign_in()
        self.server.webhook("31611110001", "Hello, where is my order?", name="Bea")
        row = self.row("31611110001")
        expect(row).to_be_visible()  # no reload: the page hears of it
        expect(row.locator(".window")).to_have_text(re.compile(r"^closes in 23 h 5\d m$"))
        expect(row.locator(".window")).to_have_class(re.compile(r"\bopen\b"))

    def test_margin_closes_the_window_early(self):
        # order-support treats the window as closed 5 minutes early (session.margin): the desk
        # shows the window the guard enforces.
        self.server.webhook("31611110007", "Hello?", name="Gus", sent_at=time.time() - 24 * 3600 + 5 * 60 + 30)
        self.sign_in()
        expect(self.row("31611110007").locator(".window")).to_have_text(re.compile(r"^closes in \d+ s$"))

    def test_window_counts_down_to_closed(self):
        # Sent 23 h 59 m (and 52 s) ago, to the number whose flow has no session margin: seconds left.
        self.server.webhook("31611110002", "Are you still there?", name="Cas", sent_at=time.time() - 24 * 3600 + 8, number=ACK_NUMBER)
        self.sign_in()
        window = self.row("31611110002", number=ACK_NUMBER).locator(".window")
        expect(window).to_have_text(re.compile(r"^closes in \d s$"))  # under a minute
        expect(window).to_have_class(re.compile(r"\bclosing\b"))
        expect(window).to_have_text("closed", timeout=20000)

    def test_take_over_reply_and_hand_back(self):
        contact = "31611110003"
        self.server.webhook(contact, "I need a person", name="Dee")
        eventually("the bot's menu", lambda: self.graph.sent_to(contact))
        self.sign_in()
        self.open_conversation(contact)
        self.page.click("#take-over")
        expect(self.page.locator(".owner")).to_have_text("with Ana")
        self.page.fill("#reply", "Hi Dee, Ana here. Let me check.")
        self.screenshot("conversation")
        self.page.click("#send")
        eventually("Ana's reply at the Graph API",
                   lambda: any(m.get("text", {}).get("body") == "Hi Dee, Ana here. Let me check." for m in self.graph.sent_to(contact)))
        expect(self.page.locator(".message.out").last).to_contain_text("Ana here")
        # WhatsApp reports it read: the page shows blue ticks without a reload. (A status that
        # arrives before the server has stored the send's id is not matched yet, so it is resent.)
        wamid = "wamid.out.%d" % len(self.graph.received)
        ticks = self.page.locator(".message.out").last.locator(".ticks")

        def read():
            self.server.status(contact, wamid, "read")
            try:
                expect(ticks).to_have_class(re.compile(r"\bread\b"), timeout=1000)
                return True
            except AssertionError:
                return False
        eventually("the read ticks", read)
        expect(ticks).to_have_text("✓✓")
        sent = len(self.graph.sent_to(contact))
        self.page.click("#hand-back")
        expect(self.page.locator(".owner")).to_contain_text("bot")
        self.server.webhook(contact, "menu")
        eventually("the bot answers again", lambda: len(self.graph.sent_to(contact)) > sent)
        self.assertNotIn("text", self.graph.sent_to(contact)[-1].get("type", ""), "the bot's menu, not a person's text")

    def test_closed_window_offers_templates_only(self):
        contact = "31611110004"
        # Sent 23 h 57 m ago: inside WhatsApp's window, outside the flow's (5 minutes' margin).
        self.server.webhook(contact, "Any news?", name="Eli", sent_at=time.time() - 24 * 3600 + 3 * 60)
        self.sign_in()
        expect(self.row(contact)).to_be_visible()
        self.open_conversation(contact)
        self.page.click("#take-over")
        expect(self.page.locator("#template-picker")).to_be_visible()
        expect(self.page.locator("#reply")).to_have_count(0)
        form = self.page.locator('form.template:has(input[value="order_update"])')
        form.locator('input[name="p1"]').fill("Eli")
        form.locator('input[name="p2"]').fill("ORD-777")
        expect(form.locator(".preview-text")).to_have_text("Hi Eli, there is news about order ORD-777. Tap Continue to see it.")
        self.screenshot("template-picker")
        form.locator(".send-template").click()
        eventually("the template at the Graph API",
                   lambda: any(m.get("template", {}).get("name") == "order_update" for m in self.graph.sent_to(contact)))
        self.assertFalse(any(m.get("type") == "text" for m in self.graph.sent_to(contact)), "no free-form message left")

    def test_customer_script_stays_text(self):
        contact = "31611110005"
        self.server.webhook(contact, "<script>alert(1)</script>", name="<img src=x onerror=alert(2)>")
        self.sign_in()
        expect(self.row(contact)).to_contain_text("<img src=x onerror=alert(2)>")
        self.open_conversation(contact)
        expect(self.page.locator(".message.in").first).to_contain_text("<script>alert(1)</script>")
        expect(self.page.locator("h1")).to_contain_text("<img src=x onerror=alert(2)>")
        self.assertEqual(self.dialogs, [], "no script from the customer ran")

    def test_form_without_csrf_token_is_refused(self):
        contact = "31611110006"
        self.server.webhook(contact, "hello", name="Fay")
        eventually("the bot's menu", lambda: self.graph.sent_to(contact))
        self.sign_in()
        response = self.page.request.post(f"{self.server.base}/desk/c/{NUMBER}/{contact}/take", form={"x": "1"})
        self.assertEqual(response.status, 403)
        response = self.page.request.post(f"{self.server.base}/desk/c/{NUMBER}/{contact}/reply",
                                          form={"text": "forged", "csrf": "0" * 64})
        self.assertEqual(response.status, 403)
        self.open_conversation(contact)
        expect(self.page.locator(".owner")).to_contain_text("bot")
        self.assertFalse(any(m.get("text", {}).get("body") == "forged" for m in self.graph.sent_to(contact)))

    def test_zz_list_screenshot(self):
        self.sign_in()
        expect(self.page.locator("tr.row").first).to_be_visible()
        self.screenshot("list")


if __name__ == "__main__":
    unittest.main(verbosity=2)
