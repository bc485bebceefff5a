//! [`PortError`]: why a MIDI port backend (ALSA, JACK) could not open, list or connect a
//! port. Its text is the reason the MIDI thread and `chronus play` put in their lines.

use thiserror::Error;

/// Why a [`MidiBackend`](super::input::MidiBackend) call failed.
#[derive(Debug, Error)]
pub enum PortError {
    /// midir could not open an ALSA sequencer client.
    #[error("{0}")]
    AlsaClient(#[from] midir::InitError),
    /// The port asked for is no longer listed.
    #[error("the port went away")]
    PortGone,
    /// midir could not connect the port.
    #[error("{0}")]
    AlsaConnect(midir::ConnectErrorKind),
    /// No JACK client could be opened.
    #[cfg(feature = "jack")]
    #[error("cannot open a JACK client (is a JACK server running?): {0}")]
    JackClient(jack::Error),
    /// One of the client's MIDI input ports could not be registered.
    #[cfg(feature = "jack")]
    #[error("cannot register the JACK MIDI port \"{port}\": {error}")]
    JackRegister {
        /// The port's short name.
        port: String,
        /// What JACK said.
        error: jack::Error,
    },
    /// The client could not be activated.
    #[cfg(feature = "jack")]
    #[error("cannot activate the JACK MIDI client: {0}")]
    JackActivate(jack::Error),
    /// The JACK server shut the client down.
    #[error("the JACK server went away")]
    JackGone,
    /// Every input port of the client already has a source.
    #[error(
        "every input port of {client} is in use ({sources} sources at most); it is \
         connected when one of them goes away"
    )]
    AllInputsBusy {
        /// The client's name.
        client: &'static str,
        /// How many input ports (sources) it has.
        sources: usize,
    },
    /// JACK refused to connect the port.
    #[cfg(feature = "jack")]
    #[error("{0}")]
    JackConnect(jack::Error),
}
