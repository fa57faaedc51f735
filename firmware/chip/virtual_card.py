"""The simulator's card reader: virtual readers and a virtual ID card behind pyscard's seam (`readers()`,
`createConnection()`, `connect()`, `transmit(list[int]) -> (data, sw1, sw2)`), so `hw/cardreader.py` drives it
with the very code that drives a PC/SC reader. The card is an eMRTD applet in Python: BAC, secure messaging
with its send-sequence counter, SELECT and READ BINARY over the files of `firmware.chip.issuer.CardData`.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from firmware.chip import bac
from firmware.chip.apdu import AID, OK, CardError, Command, Transmit, pcsc_transmit
from firmware.chip.secure_messaging import SecureChannel

if TYPE_CHECKING:  # the issuer (asn1crypto, x509) is for making cards, not for answering as one
    from firmware.chip.issuer import CardData
    from firmware.chip.pace_card import PaceCard

NOT_FOUND, NOT_ALLOWED, AUTH_FAILED, SM_WRONG, BAD_COMMAND = 0x6A82, 0x6982, 0x6300, 0x6988, 0x6D00


def _sw(word: int) -> bytes:
    return word.to_bytes(2, "big")


class NoCard(Exception):
    """No card on the reader (as pyscard's NoCardException)."""


class CardRemoved(Exception):
    """The card left the field mid-exchange (as pyscard's CardConnectionException)."""


class VirtualCard:
    def __init__(self, data: CardData | None, *, lift_after: int | None = None) -> None:
        self.data = data  # None: a card that is not an ID card (a bank card)
        self.lift_after = lift_after  # leave the reader after this many APDUs (a citizen lifting the card)
        self.apdus = 0
        self.lifted = False
        self._selected_app = False
        self._challenge = b""
        self._channel: SecureChannel | None = None
        self._file: bytes | None = None
        self._pace: PaceCard | None = None

    def reset(self) -> None:
        self._selected_app, self._challenge, self._channel, self._file = False, b"", None, None
        self._pace = None

    def answer(self, raw: bytes) -> bytes:
        """The card's whole response: data then status word."""
        self.apdus += 1
        if self.lifted or (self.lift_after is not None and self.apdus > self.lift_after):
            self.lifted = True
            raise CardRemoved("the card left the field")
        try:
            if self._channel is not None and raw[:1] and raw[0] & 0x0C == 0x0C:
                return self._secure(raw)
            return self._plain(Command.decode(raw))
        except CardError:
            self._channel = None
            return _sw(SM_WRONG)
        except ValueError:
            return _sw(BAD_COMMAND)

    def _plain(self, command: Command) -> bytes:
        self._channel = None  # a plain command ends secure messaging
        if command.ins == 0xA4 and command.p1 == 0x04:
            self._selected_app = self.data is not None and command.data == AID
            return _sw(OK if self._selected_app else NOT_FOUND)
        if self.data is not None and self.data.card_access and command.ins in (0xA4, 0xB0, 0x22, 0x86):
            return self._master_file(command, self.data)
        if not self._selected_app or self.data is None:
            return _sw(BAD_COMMAND)
        if command.ins == 0x84:
            self._challenge = os.urandom(8)
            return self._challenge + _sw(OK)
        if command.ins == 0x82 and self._challenge:
            answer = bac.card_answer(self.data.key, self._challenge, command.data)
            self._challenge = b""
            if answer is None:
                return _sw(AUTH_FAILED)
            reply, self._channel = answer
            return reply + _sw(OK)
        return _sw(NOT_ALLOWED)

    def _master_file(self, command: Command, data: CardData) -> bytes:
        """EF.CardAccess, read in the clear, and PACE (a card that offers it)."""
        if command.ins == 0xA4:
            self._file = data.card_access if command.data == b"\x01\x1c" and command.p1 in (0x00, 0x02) else None
            return _sw(OK if self._file is not None else NOT_FOUND)
        if command.ins == 0xB0:
            if self._file is None:
                return _sw(NOT_ALLOWED)
            offset = command.p1 << 8 | command.p2
            return self._file[offset:offset + (command.le or 256)] + _sw(OK)
        from firmware.chip import pace
        from firmware.chip.pace_card import PaceCard

        if command.ins == 0x22 and command.p1 == 0xC1 and command.p2 == 0xA4:
            self._pace = PaceCard(pace.parse_card_access(data.card_access), data.key)
            return _sw(self._pace.set_at(command.data))
        if self._pace is None:
            return _sw(NOT_ALLOWED)
        answer, sw, self._channel = self._pace.general_authenticate(command)
        return answer + _sw(sw)

    def _secure(self, raw: bytes) -> bytes:
        assert self._channel is not None and self.data is not None
        channel = self._channel
        command = channel.open_command(raw)
        if command.ins == 0xA4 and command.p1 == 0x04:
            self._selected_app = command.data == AID
            return channel.seal_response(b"", OK if self._selected_app else NOT_FOUND) + _sw(OK)
        if not self._selected_app:
            return channel.seal_response(b"", NOT_ALLOWED) + _sw(OK)
        if command.ins == 0xA4 and command.p1 == 0x02:
            self._file = self.data.files.get(int.from_bytes(command.data, "big"))
            return channel.seal_response(b"", OK if self._file is not None else NOT_FOUND) + _sw(OK)
        if command.ins == 0xB0 and self._file is not None:
            offset = command.p1 << 8 | command.p2
            length = command.le or 256
            return channel.seal_response(self._file[offset:offset + length]) + _sw(OK)
        return channel.seal_response(b"", NOT_ALLOWED) + _sw(OK)


class VirtualConnection:
    def __init__(self, reader: VirtualReader) -> None:
        self._reader = reader
        self._card: VirtualCard | None = None

    def connect(self, *_args: Any) -> None:
        card = self._reader.card
        if card is None or card.lifted:
            raise NoCard("no card on the reader")
        card.reset()
        self._card = card

    def transmit(self, apdu: list[int]) -> tuple[list[int], int, int]:
        card = self._card
        if card is None or self._reader.card is not card:
            raise CardRemoved("the card is gone")
        response = card.answer(bytes(apdu))
        if self._reader.card is not card:
            raise CardRemoved("the card left the field")
        return list(response[:-2]), response[-2], response[-1]

    def disconnect(self) -> None:
        self._card = None


class VirtualReader:
    name = "motcua virtual reader 00 00"

    def __init__(self) -> None:
        self.card: VirtualCard | None = None

    def createConnection(self) -> VirtualConnection:  # noqa: N802 - pyscard's name
        return VirtualConnection(self)

    def __str__(self) -> str:
        return self.name


class VirtualReaders:
    """What `smartcard.System.readers` returns, for the simulator: one reader that the sim or a test fills."""

    def __init__(self) -> None:
        self.reader = VirtualReader()
        self.plugged = True
        self._lock = threading.Lock()

    def __call__(self) -> list[VirtualReader]:
        return [self.reader] if self.plugged else []

    def present(self, card: VirtualCard) -> None:
        with self._lock:
            self.reader.card = card

    def remove(self) -> None:
        with self._lock:
            self.reader.card = None


def transmit_to(card: VirtualCard) -> Transmit:
    """A connection to `card` on a reader of its own, as the reading code takes it (tests, benchmarks)."""
    reader = VirtualReader()
    reader.card = card
    connection = reader.createConnection()
    connection.connect()
    return pcsc_transmit(connection)
