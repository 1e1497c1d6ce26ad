/// An open-addressing hash map from graph nodes (by identity) to small integers, for the
/// bookkeeping of one backward pass: a multiplicative hash of the object address and linear
/// probing, several times cheaper than `Dictionary<ObjectIdentifier, Int>`.
struct NodeTable {
    private var keys: [UInt]
    private var values: [Int32]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 64) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        keys = [UInt](repeating: 0, count: size)
        values = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    @inline(__always)
    private func slot(_ key: UInt) -> Int {
        Int(truncatingIfNeeded: (key >> 4) &* 0x9E37_79B9_7F4A_7C15 >> 20) & mask
    }

    /// The value stored for `node`, or nil.
    func value(for node: GraphNode) -> Int? {
        let key = UInt(bitPattern: Unmanaged.passUnretained(node).toOpaque())
        var index = slot(key)
        while keys[index] != 0 {
            if keys[index] == key { return Int(values[index]) }
            index = (index + 1) & mask
        }
        return nil
    }

    /// Stores `value` for `node` (which must not be present yet).
    mutating func insert(_ node: GraphNode, value: Int) {
        if 2 * (count + 1) > keys.count { grow() }
        let key = UInt(bitPattern: Unmanaged.passUnretained(node).toOpaque())
        var index = slot(key)
        while keys[index] != 0 { index = (index + 1) & mask }
        keys[index] = key
        values[index] = Int32(value)
        count += 1
    }

    private mutating func grow() {
        let (oldKeys, oldValues) = (keys, values)
        keys = [UInt](repeating: 0, count: oldKeys.count * 2)
        values = [Int32](repeating: -1, count: oldKeys.count * 2)
        mask = keys.count - 1
        for (key, value) in zip(oldKeys, oldValues) where key != 0 {
            var index = slot(key)
            while keys[index] != 0 { index = (index + 1) & mask }
            keys[index] = key
            values[index] = value
        }
    }
}
