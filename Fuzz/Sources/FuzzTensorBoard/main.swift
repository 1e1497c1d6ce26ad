import FuzzSupport
import GANNumerics

/// Any bytes given as a TensorBoard event file: TFRecord framing, then each record as an `Event`.
fuzz { bytes in
    _ = try? TFRecord.records(in: bytes).map { record throws(FormatError) in try TensorBoardEvent(decoding: record) }
}
