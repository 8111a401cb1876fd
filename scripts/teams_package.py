"""Builds the Microsoft Teams app package: var/teams/sipguiden-teams.zip.

    make teams-package                      # reads the variables below
    python scripts/teams_package.py --app-id <GUID> --domain sipguiden.region.se

The package is teams/manifest.template.json with the app id and the bot's host name filled
in, plus the two icons (teams/color.png 192×192, teams/outline.png 32×32 white on
transparent). It is checked against the rules of the Teams app manifest (schema 1.16) before
it is written; a broken package is never written. Upload it in Teams (Appar → Hantera dina
appar → Ladda upp en app) or in the Teams admin center.

    SIPGUIDEN_TEAMS_APP_ID     the Azure Bot's Microsoft App ID (a GUID)        required
    SIPGUIDEN_TEAMS_DOMAIN     host name the bot is reached at over https       required
    SIPGUIDEN_TEAMS_DEVELOPER  publisher name shown in Teams (max 32 chars)     default "SIP-guiden"

`--icons` redraws the two icons with Pillow (they are committed; only needed to change them).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

ROOT = Path(__file__).resolve().parent.parent
TEAMS_DIR = ROOT / "teams"
TEMPLATE = TEAMS_DIR / "manifest.template.json"
OUTPUT = ROOT / "var" / "teams" / "sipguiden-teams.zip"

# The rules of the Teams app manifest, schema v1.16
# (https://learn.microsoft.com/microsoftteams/platform/resources/schema/manifest-schema).
SCHEMAS = {"1.16": "https://developer.microsoft.com/en-us/json-schemas/teams/v1.16/MicrosoftTeams.schema.json"}
TOP_LEVEL = {
    "$schema", "manifestVersion", "version", "id", "packageName", "localizationInfo", "developer", "name",
    "description", "icons", "accentColor", "configurableTabs", "staticTabs", "bots", "connectors",
    "subscriptionOffer", "composeExtensions", "permissions", "devicePermissions", "validDomains",
    "webApplicationInfo", "graphConnector", "showLoadingIndicator", "isFullScreen", "activities",
    "configurableProperties", "supportedChannelTypes", "defaultBlockUntilAdminAction", "publisherDocsUrl",
    "defaultInstallScope", "defaultGroupCapability", "meetingExtensionDefinition", "authorization",
    "extensions",
}
REQUIRED = ("manifestVersion", "version", "id", "developer", "name", "description", "icons", "accentColor")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# A host name, optionally with a port, or "*." before a host with at least two labels.
DOMAIN = re.compile(r"^(\*\.)?(?=.{1,253}(:|$))([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+(:\d{1,5})?$")
BOT_SCOPES = {"team", "personal", "groupChat"}
PERMISSIONS = {"identity", "messageTeamMembers"}
ICONS = {"color": (192, 192), "outline": (32, 32)}


class PackageError(ValueError):
    """The package cannot be built: the message lists every problem, in Swedish."""


def _https(url: Any) -> bool:
    return isinstance(url, str) and len(url) <= 2048 and re.match(r"^https://[^\s/]+(/\S*)?$", url) is not None


def _text(value: Any, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) and len(value) <= limit


def fill(template: Any, values: Mapping[str, str]) -> Any:
    """The template with every {{NAME}} in its strings replaced (after JSON parsing, so a value
    can never break the JSON)."""
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, values) for value in template]
    if isinstance(template, str):
        return re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: values.get(m.group(1), m.group(0)), template)
    return template


def check_icon(kind: str, data: bytes) -> List[str]:
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception:  # noqa: BLE001 - any unreadable file is the same problem
        return [f"ikonen {kind} är ingen läsbar bild"]
    problems = []
    if image.format != "PNG":
        problems.append(f"ikonen {kind} måste vara PNG (är {image.format})")
    if image.size != ICONS[kind]:
        want = "×".join(map(str, ICONS[kind]))
        problems.append(f"ikonen {kind} måste vara {want} pixlar (är {image.size[0]}×{image.size[1]})")
    if kind == "outline":
        rgba = image.convert("RGBA")
        raw = rgba.tobytes()
        pixels = [tuple(raw[i:i + 4]) for i in range(0, len(raw), 4)]
        if any(a > 0 and (r, g, b) != (255, 255, 255) for r, g, b, a in pixels):
            problems.append("ikonen outline får bara ha vita pixlar på genomskinlig bakgrund")
        if all(a == 255 for *_, a in pixels):
            problems.append("ikonen outline måste ha genomskinlig bakgrund")
    return problems


def validate(manifest: Dict[str, Any], files: Mapping[str, bytes], app_id: Optional[str] = None) -> List[str]:
    """Every way ``manifest`` (with the package's other ``files``) breaks the manifest's rules."""
    problems: List[str] = []
    for key in REQUIRED:
        if key not in manifest:
            problems.append(f"fältet {key} saknas")
    for key in sorted(set(manifest) - TOP_LEVEL):
        problems.append(f"okänt fält {key}")
    version = manifest.get("manifestVersion")
    if version not in SCHEMAS:
        problems.append(f"manifestVersion {version!r} stöds inte (använd {', '.join(SCHEMAS)})")
    elif manifest.get("$schema") not in (None, SCHEMAS[version]):
        problems.append(f"$schema ska vara {SCHEMAS[version]}")
    if "version" in manifest and not (isinstance(manifest["version"], str) and SEMVER.match(manifest["version"])):
        problems.append("version ska vara ett versionsnummer som 1.0.0")
    if "id" in manifest and not (isinstance(manifest["id"], str) and GUID.match(manifest["id"])):
        problems.append(f"id {manifest['id']!r} är inget GUID")

    developer = manifest.get("developer") or {}
    if "developer" in manifest:
        if not _text(developer.get("name"), 32):
            problems.append("developer.name saknas eller är längre än 32 tecken")
        for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
            if not _https(developer.get(key)):
                problems.append(f"developer.{key} måste vara en https-adress")
    name = manifest.get("name") or {}
    if "name" in manifest:
        if not _text(name.get("short"), 30):
            problems.append("name.short saknas eller är längre än 30 tecken")
        if "full" in name and not _text(name["full"], 100):
            problems.append("name.full är längre än 100 tecken")
    description = manifest.get("description") or {}
    if "description" in manifest:
        if not _text(description.get("short"), 80):
            problems.append("description.short saknas eller är längre än 80 tecken")
        if not _text(description.get("full"), 4000):
            problems.append("description.full saknas eller är längre än 4000 tecken")
    if "accentColor" in manifest and not (isinstance(manifest["accentColor"], str) and COLOR.match(manifest["accentColor"])):
        problems.append("accentColor ska vara en färg som #0A4F8A")

    icons = manifest.get("icons") or {}
    for kind in ICONS:
        file_name = icons.get(kind)
        if not isinstance(file_name, str) or not file_name:
            problems.append(f"icons.{kind} saknas")
        elif file_name not in files:
            problems.append(f"ikonfilen {file_name} ({kind}) finns inte i paketet")
        else:
            problems.extend(check_icon(kind, files[file_name]))

    bots = manifest.get("bots", [])
    if not isinstance(bots, list) or len(bots) > 1:
        problems.append("bots får ha högst en bot")
        bots = []
    for bot in bots:
        bot_id = bot.get("botId")
        if not (isinstance(bot_id, str) and GUID.match(bot_id)):
            problems.append(f"bots[0].botId {bot_id!r} är inget GUID")
        if app_id is not None and bot_id != app_id:
            problems.append("bots[0].botId är inte appens id (Azure Bot-registreringens Microsoft App ID)")
        scopes = bot.get("scopes")
        if not scopes or not isinstance(scopes, list) or not set(scopes) <= BOT_SCOPES:
            problems.append(f"bots[0].scopes måste vara några av {sorted(BOT_SCOPES)}")
        command_lists = bot.get("commandLists", [])
        if len(command_lists) > 3:
            problems.append("bots[0].commandLists får ha högst 3 listor")
        for commands in command_lists:
            if not set(commands.get("scopes") or []) <= set(scopes or []):
                problems.append("en kommandolista har scopes som boten inte har")
            if len(commands.get("commands", [])) > 10:
                problems.append("en kommandolista får ha högst 10 kommandon")
            for command in commands.get("commands", []):
                if not _text(command.get("title"), 32) or not _text(command.get("description"), 128):
                    problems.append(f"kommandot {command.get('title')!r}: titel högst 32 och beskrivning högst 128 tecken")
    if not set(manifest.get("permissions", [])) <= PERMISSIONS:
        problems.append(f"permissions får bara vara {sorted(PERMISSIONS)}")
    domains = manifest.get("validDomains", [])
    if not isinstance(domains, list) or len(domains) > 16:
        problems.append("validDomains får ha högst 16 domäner")
        domains = []
    for domain in domains:
        if not isinstance(domain, str) or not DOMAIN.match(domain):
            problems.append(f"validDomains: {domain!r} är inget värdnamn (utan https:// och sökväg; ingen *.toppdomän)")

    leftovers = re.findall(r"\{\{[A-Z_]+\}\}", json.dumps(manifest))
    if leftovers:
        problems.append(f"mallen har ifyllda platshållare kvar: {', '.join(sorted(set(leftovers)))}")
    return problems


def build(app_id: str, domain: str, developer: str = "SIP-guiden", output: Path = OUTPUT,
          template: Path = TEMPLATE, icon_dir: Path = TEAMS_DIR) -> Path:
    """Fills in the template, checks it, and writes the zip; raises PackageError if it is broken."""
    app_id, domain = app_id.strip().lower(), domain.strip().lower()
    manifest = fill(json.loads(template.read_text(encoding="utf-8")),
                    {"APP_ID": app_id, "DOMAIN": domain, "DEVELOPER": developer.strip()})
    files = {name: (icon_dir / name).read_bytes() for name in
             {manifest.get("icons", {}).get(kind) for kind in ICONS} if name and (icon_dir / name).is_file()}
    problems = validate(manifest, files, app_id=app_id)
    if problems:
        raise PackageError("Teams-paketet följer inte manifestets regler:\n  - " + "\n  - ".join(problems))
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        for name, data in sorted(files.items()):
            package.writestr(name, data)
    tmp.replace(output)
    return output


def read_package(path: Path) -> Dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def draw_icons(icon_dir: Path = TEAMS_DIR) -> None:
    """The committed icons: a speech bubble with "SIP" (colour), its outline (white on transparent)."""
    from PIL import Image, ImageDraw, ImageFont

    scale = 4  # drawn large, then reduced: smooth edges
    size = 192 * scale
    color = Image.new("RGBA", (size, size), (10, 79, 138, 255))
    draw = ImageDraw.Draw(color)
    box = (28 * scale, 36 * scale, 164 * scale, 136 * scale)
    draw.rounded_rectangle(box, radius=22 * scale, fill="white")
    draw.polygon([(58 * scale, 132 * scale), (52 * scale, 162 * scale), (86 * scale, 134 * scale)], fill="white")
    font = ImageFont.load_default(size=54 * scale)
    draw.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), "SIP", fill=(10, 79, 138, 255), font=font, anchor="mm")
    color.resize((192, 192), Image.LANCZOS).convert("RGB").save(icon_dir / "color.png", optimize=True)

    size = 32 * scale * 2
    outline = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(outline)
    s = size / 32
    draw.rounded_rectangle((3 * s, 5 * s, 29 * s, 23 * s), radius=5 * s, outline=255, width=int(2.2 * s))
    draw.polygon([(8 * s, 22 * s), (7 * s, 29 * s), (14 * s, 22.5 * s)], fill=255)
    for x in (10, 16, 22):  # three dots: someone is answering
        draw.ellipse(((x - 1.7) * s, (14 - 1.7) * s, (x + 1.7) * s, (14 + 1.7) * s), fill=255)
    alpha = outline.resize((32, 32), Image.LANCZOS)
    white = Image.new("RGBA", (32, 32), (255, 255, 255, 0))
    white.putalpha(alpha)
    white.save(icon_dir / "outline.png", optimize=True)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Bygger Teams-appaketet var/teams/sipguiden-teams.zip.")
    parser.add_argument("--app-id", default=os.environ.get("SIPGUIDEN_TEAMS_APP_ID", ""))
    parser.add_argument("--domain", default=os.environ.get("SIPGUIDEN_TEAMS_DOMAIN", ""))
    parser.add_argument("--developer", default=os.environ.get("SIPGUIDEN_TEAMS_DEVELOPER", "") or "SIP-guiden")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--icons", action="store_true", help="rita om ikonerna i teams/ (Pillow)")
    args = parser.parse_args(argv)
    if args.icons:
        draw_icons()
        print("==> Ritade teams/color.png och teams/outline.png")
        return 0
    missing = [name for name, value in (("SIPGUIDEN_TEAMS_APP_ID", args.app_id), ("SIPGUIDEN_TEAMS_DOMAIN", args.domain))
               if not value.strip()]
    if missing:
        print(f"FEL: sätt {' och '.join(missing)}: appens id (Azure Bot-registreringens Microsoft App ID) och "
              "värdnamnet där boten nås med https, t.ex.\n"
              "  SIPGUIDEN_TEAMS_APP_ID=<GUID> SIPGUIDEN_TEAMS_DOMAIN=sipguiden.region.se make teams-package",
              file=sys.stderr)
        return 2
    try:
        path = build(args.app_id, args.domain, args.developer, output=args.output)
    except PackageError as error:
        print(f"FEL: {error}", file=sys.stderr)
        return 1
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"==> Teams-paketet är klart: {shown} (manifest {json.loads(read_package(path)['manifest.json'])['manifestVersion']}, "
          "kontrollerat mot manifestets regler)")
    print("    Ladda upp det i Teams: Appar → Hantera dina appar → Ladda upp en app (eller i Teams admin center).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
