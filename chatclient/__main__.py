"""`make chat`: talk to the bot running at http://127.0.0.1:3978/api/messages from a terminal."""

from __future__ import annotations

import argparse
import asyncio

from chatclient.people import Person, find_person, listing
from chatclient.session import ChatSession

INTRO = """Chatting with the bot at {url} as {who} in a Teams {scope} chat.
Type a command (try 'help'), a button's number to press it, or 'quit'.
"""


async def chat(url: str, scope: str, person: Person | None = None) -> None:
    session = ChatSession(url, print, scope, person)
    await session.start()
    who = person.user["name"] if person else "yourself"
    print(INTRO.format(url=url, scope=scope, who=who))
    try:
        await session.join()
        while True:
            try:
                line = await asyncio.to_thread(input, "> ")
            except EOFError:
                break
            if line.strip().casefold() in ("quit", "exit"):
                break
            if line.strip():
                await session.send(line)
    except OSError as error:
        print(f"Can't reach the bot at {url} ({error.strerror or error}). Is 'make run' running?")
    finally:
        await session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--url", default="http://127.0.0.1:3978/api/messages", help="the bot's messaging endpoint"
    )
    parser.add_argument("--scope", choices=("personal", "channel", "groupChat"), default="personal")
    parser.add_argument(
        "--as",
        dest="person",
        default="",
        help="a demo person to be, by first name or object id (BOT_ACCESS=gdap shows their customers); "
        "'?' lists them",
    )
    args = parser.parse_args()
    person = None
    if args.person == "?":
        print(f"The demo people:\n{listing()}")
        return
    if args.person:
        try:
            person = find_person(args.person)
        except LookupError as unknown:
            parser.exit(2, f"{unknown}\n")
    try:
        asyncio.run(chat(args.url, args.scope, person))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
