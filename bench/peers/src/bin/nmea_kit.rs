//! Peer: the `nmea-kit` crate. `parse_frame` + `ais::AisParser::decode`, which
//! keeps the multi-fragment buffers itself.
use finisterra_bench_peers::{for_each_line, Counts};
use nmea_kit::ais::messages::StaticDataReport;
use nmea_kit::ais::{AisMessage, AisParser};

fn type_and_mmsi(m: &AisMessage) -> (u8, u32) {
    use AisMessage::*;
    match m {
        Position(p) => (p.msg_type, p.mmsi),
        BaseStation(x) => (4, x.mmsi),
        StaticVoyage(x) => (5, x.mmsi),
        BinaryAddressed(x) => (6, x.mmsi),
        BinaryAck(x) => (x.msg_type, x.mmsi),
        BinaryBroadcast(x) => (8, x.mmsi),
        SarAircraft(x) => (9, x.mmsi),
        UtcDateInquiry(x) => (10, x.mmsi),
        UtcDateResponse(x) => (11, x.mmsi),
        SafetyAddressed(x) => (12, x.mmsi),
        Safety(x) => (14, x.mmsi),
        Interrogation(x) => (15, x.mmsi),
        AssignmentMode(x) => (16, x.mmsi),
        DgnssBroadcast(x) => (17, x.mmsi),
        DataLinkManagement(x) => (20, x.mmsi),
        AidToNavigation(x) => (21, x.mmsi),
        ChannelManagement(x) => (22, x.mmsi),
        GroupAssignment(x) => (23, x.mmsi),
        StaticReport(StaticDataReport::PartA { mmsi, .. }) => (24, *mmsi),
        StaticReport(StaticDataReport::PartB { mmsi, .. }) => (24, *mmsi),
        BinarySingleSlot(x) => (25, x.mmsi),
        BinaryMultiSlot(x) => (26, x.mmsi),
        LongRangePosition(x) => (27, x.mmsi),
        Unknown { msg_type } => (*msg_type, 0),
        #[allow(unreachable_patterns)]
        _ => (0, 0),
    }
}

fn main() {
    let mut parser = AisParser::new();
    let mut c = Counts::default();
    let lines = for_each_line(|line| {
        let Ok(s) = std::str::from_utf8(line) else {
            c.errors += 1;
            return;
        };
        let Ok(frame) = nmea_kit::parse_frame(s) else {
            c.errors += 1;
            return;
        };
        // `decode` returns None both for "fragment, more to come" and for a
        // decode failure; errors are therefore inferred by run.sh from counts.
        if let Some(m) = parser.decode(&frame) {
            let (t, mmsi) = type_and_mmsi(&m);
            c.add(t, mmsi);
        }
    });
    c.report("nmea-kit", lines);
}
