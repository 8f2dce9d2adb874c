//! Peer: the `ais` crate (squidpickles). `AisParser::parse(line, true)` checks
//! the checksum, reassembles fragments (one message at a time) and decodes.
use ais::messages::AisMessage;
use ais::{AisFragments, AisParser};
use finisterra_bench_peers::{for_each_line, Counts};

fn mmsi(m: &AisMessage) -> u32 {
    use AisMessage::*;
    match m {
        PositionReport(x) => x.mmsi,
        BaseStationReport(x) => x.mmsi,
        BinaryBroadcastMessage(x) => x.mmsi,
        Interrogation(x) => x.mmsi,
        StaticAndVoyageRelatedData(x) => x.mmsi,
        DgnssBroadcastBinaryMessage(x) => x.mmsi,
        StandardClassBPositionReport(x) => x.mmsi,
        ExtendedClassBPositionReport(x) => x.mmsi,
        DataLinkManagementMessage(x) => x.mmsi,
        AidToNavigationReport(x) => x.mmsi,
        StaticDataReport(x) => x.mmsi,
        UtcDateResponse(x) => x.mmsi,
        StandardAircraftPositionReport(x) => x.mmsi,
        AssignmentModeCommand(x) => x.mmsi,
        BinaryAcknowledgeMessage(x) => x.mmsi,
        UtcDateInquiry(x) => x.mmsi,
        AddressedSafetyRelatedMessage(x) => x.mmsi,
        SafetyRelatedBroadcastMessage(x) => x.mmsi,
        SafetyRelatedAcknowledgment(x) => x.mmsi,
        LongRangeAisBroadcastMessage(x) => x.mmsi,
        BinaryAddressedMessage(x) => x.mmsi,
    }
}

fn main() {
    let mut parser = AisParser::new();
    let mut c = Counts::default();
    let lines = for_each_line(|line| match parser.parse(line, true) {
        Ok(AisFragments::Complete(s)) => match &s.message {
            Some(m) => c.add(s.message_type, mmsi(m)),
            None => c.errors += 1,
        },
        Ok(AisFragments::Incomplete(_)) => {}
        Err(_) => c.errors += 1,
    });
    c.report("ais", lines);
}
