//! `/sounds/chime.mp3`: the sound the widget's config names (`resources.sound`, an absolute URL
//! on the server, as Rocket.Chat's `public/sounds/chime.mp3`). The widget fetches it when it
//! starts, so a server without it leaves a failed request in every visitor's console.
//! Rocket.Chat's chime is not ours to ship; this one is a quarter second of silence, made here.

use std::sync::LazyLock;

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};

use super::not_allowed;
use crate::http::{Request, Response, respond};

/// The one file served under `/sounds/`.
pub(super) const PATH: &str = "/sounds/chime.mp3";

/// MPEG-1 Layer III frames, 128 kbit/s, 44.1 kHz, mono, no CRC: 144 × 128 000 / 44 100 = 417
/// bytes each. Their side information is all zero (no bits of main data, no scale factors), which
/// every decoder plays as silence.
const FRAME_HEADER: [u8; 4] = [0xFF, 0xFB, 0x90, 0xC0];
const FRAME_BYTES: usize = 417;
/// About a quarter of a second (1 152 samples a frame).
const FRAMES: usize = 10;

static SILENCE: LazyLock<Bytes> = LazyLock::new(|| {
    let mut file = Vec::with_capacity(FRAME_BYTES * FRAMES);
    for _ in 0..FRAMES {
        file.extend_from_slice(&FRAME_HEADER);
        file.resize(file.len() + FRAME_BYTES - FRAME_HEADER.len(), 0);
    }
    Bytes::from(file)
});

/// Answers a path under `/sounds/`.
pub(super) fn serve(request: &Request) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return not_allowed(&[Method::GET, Method::HEAD]);
    }
    if request.uri().path() != PATH {
        return respond(
            StatusCode::NOT_FOUND,
            HeaderValue::from_static("text/plain; charset=utf-8"),
            "Not found\n",
        );
    }
    let mut response = respond(
        StatusCode::OK,
        HeaderValue::from_static("audio/mpeg"),
        SILENCE.clone(),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chime_is_whole_frames_each_with_its_header() {
        assert_eq!(SILENCE.len(), FRAME_BYTES * FRAMES);
        for frame in SILENCE.chunks(FRAME_BYTES) {
            assert_eq!(frame[..4], FRAME_HEADER);
            assert!(frame[4..].iter().all(|&b| b == 0));
        }
    }
}
