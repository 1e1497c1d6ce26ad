/// TFRecord framing, the container of TensorBoard event files: each record is its length
/// (`uint64`, little-endian), the masked CRC-32C of those eight bytes, the data, and the masked
/// CRC-32C of the data (`tensorflow/core/lib/io/record_writer.cc`).
public enum TFRecord {
    /// The checksum as TFRecord stores it: CRC-32C rotated right by 15 bits plus 0xa282ead8, so
    /// that a checksum of data that holds checksums is not itself trivially related to them.
    public static func maskedChecksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        let crc = CRC32.checksum(bytes, .castagnoli)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// `data` framed as one record.
    public static func record(_ data: [UInt8]) -> [UInt8] {
        let length = LittleEndian.bytes(UInt64(data.count))
        return length + LittleEndian.bytes(maskedChecksum(length)) + data + LittleEndian.bytes(maskedChecksum(data))
    }

    /// The data of every record in `bytes`, both checksums of each checked. A damaged or
    /// truncated record is an error naming its byte offset.
    public static func records(in bytes: [UInt8]) throws(FormatError) -> [ArraySlice<UInt8>] {
        var records: [ArraySlice<UInt8>] = []
        var position = 0
        func word(at offset: Int, count: Int) -> UInt64 { LittleEndian.integer(bytes[offset..<offset + count]) }
        while position < bytes.count {
            guard bytes.count - position >= 12 else { throw FormatError("TFRecord: truncated record header at byte \(position)") }
            guard UInt32(word(at: position + 8, count: 4)) == maskedChecksum(bytes[position..<position + 8]) else {
                throw FormatError("TFRecord: length checksum mismatch at byte \(position)")
            }
            let length = word(at: position, count: 8)
            let available = bytes.count - position - 16  // after both checksums; negative if they do not fit
            guard available >= 0 && length <= UInt64(available) else {
                throw FormatError("TFRecord: record of \(length) bytes at byte \(position) runs past the end of the file")
            }
            let data = bytes[position + 12..<position + 12 + Int(length)]
            guard UInt32(word(at: data.endIndex, count: 4)) == maskedChecksum(data) else {
                throw FormatError("TFRecord: data checksum mismatch in the record at byte \(position)")
            }
            records.append(data)
            position = data.endIndex + 4
        }
        return records
    }
}
