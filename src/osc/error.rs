//! [`OscError`]: why the OSC room refused a packet or a message. It wraps the small error
//! enums of the files that find the problem ([`ArgError`], [`FolderError`], [`MidiError`],
//! [`ReplyError`], [`ShapeError`]) and the controller's [`ControlError`]. Its `Display` is
//! the one line the client receives as `/error s address s message`; nothing changed.

use crate::control::ControlError;
use crate::patch::PatchErrors;
use crate::realtime::sample_clock::TooFarAhead;

use super::args::ArgError;
use super::dispatch::MAX_DATAGRAM;
use super::midi::MidiError;
use super::packet_shape::ShapeError;
use super::patch_folder::FolderError;
use super::reply_routes::ReplyError;

/// A refused OSC packet or message.
#[derive(Debug, thiserror::Error)]
pub enum OscError {
    /// No handler for this address (the HTTP API answers 404; every other refusal is a
    /// 400).
    #[error("unknown address")]
    UnknownAddress(String),
    /// The arguments do not fit the address: their count, a type, a value out of range.
    #[error("{0}")]
    Args(#[from] ArgError),
    /// The controller refused the request.
    #[error("{0}")]
    Control(#[from] ControlError),
    /// `/patch/load` or `/patch/save`: a refused name, or a file that cannot be read or
    /// written.
    #[error("{0}")]
    Folder(#[from] FolderError),
    /// `/patch/load`: the file is not a valid patch (its errors on one line).
    #[error("{}", .0.to_string().replace('\n', "; "))]
    Load(PatchErrors),
    /// A `/midi/...` or `/note/bend` refusal of its own.
    #[error("{0}")]
    Midi(#[from] MidiError),
    /// `/seq/scale`: an unknown scale name (the patch model's message, which lists the
    /// names).
    #[error("{0}")]
    Scale(String),
    /// `/reply` refused.
    #[error("{0}")]
    Reply(#[from] ReplyError),
    /// `/patch/dump`: the reply would not fit in one UDP packet.
    #[error(
        "the patch is {size} bytes as a /patch/dump reply, more than one UDP packet holds \
         ({MAX_DATAGRAM}); use /patch/save NAME and read the file"
    )]
    DumpTooLarge {
        /// The encoded reply's size in bytes.
        size: usize,
    },
    /// `/patch/dump`: the reply could not be encoded.
    #[error("cannot encode the dump: {0}")]
    EncodeDump(rosc::OscError),
    /// A reply larger than 8 KiB that the system would not send in one datagram.
    #[error(
        "the reply of {size} bytes could not be sent in one UDP packet ({error}); for a \
         patch, use /patch/save NAME and read the file"
    )]
    Unsendable {
        /// The encoded reply's size in bytes.
        size: usize,
        /// Why the send failed.
        error: std::io::Error,
    },
    /// A packet whose bundles are over the limits (checked before decoding).
    #[error("{0}")]
    Shape(#[from] ShapeError),
    /// A packet that does not decode as OSC.
    #[error("malformed packet: {0}")]
    Malformed(rosc::OscError),
    /// A bundle whose time tag is too far ahead.
    #[error("{0}")]
    TimeTag(#[from] TooFarAhead),
    /// Handling the message panicked; the fault was contained.
    #[error(
        "internal error while handling this message: it was dropped, the fault counted and \
         logged, and the server goes on"
    )]
    Internal,
}

impl OscError {
    /// True when nothing serves the address (the HTTP API's 404), false for every other
    /// refusal (a 400: the address exists, the request was wrong or could not be done).
    pub fn is_unknown_address(&self) -> bool {
        matches!(
            self,
            OscError::UnknownAddress(_) | OscError::Midi(MidiError::NotMidiAddress(_))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_address_nothing_serves_is_unknown() {
        let unknown = OscError::UnknownAddress("/nope".into());
        assert!(unknown.is_unknown_address());
        assert_eq!(unknown.to_string(), "unknown address");
        assert!(OscError::Midi(MidiError::NotMidiAddress("/x".into())).is_unknown_address());
        let args = OscError::from(ArgError::Missing {
            position: 1,
            name: "id",
        });
        assert!(!args.is_unknown_address());
        assert!(!OscError::Midi(MidiError::NotRunning).is_unknown_address());
        assert!(!OscError::Internal.is_unknown_address());
    }

    #[test]
    fn wrapped_errors_display_as_their_own_line() {
        let e = OscError::from(ArgError::OutOfRange {
            name: "note",
            value: 128,
            lo: 0,
            hi: 127,
        });
        assert_eq!(e.to_string(), "note 128 is out of range 0 .. 127");
        assert_eq!(
            OscError::from(ReplyError::Full).to_string(),
            ReplyError::Full.to_string()
        );
        assert_eq!(
            OscError::DumpTooLarge { size: 70_000 }.to_string(),
            "the patch is 70000 bytes as a /patch/dump reply, more than one UDP packet holds \
             (65507); use /patch/save NAME and read the file"
        );
    }
}
