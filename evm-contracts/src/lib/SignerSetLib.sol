// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MeshTypes} from "../MeshTypes.sol";

/// @title SignerSetLib
/// @notice Weighted signer sets and threshold signature checks (docs/protocol.md, section 5).
/// @dev A set is kept as one packed blob (stored with SSTORE2, read with a single EXTCODECOPY):
///
///     threshold (32 bytes) ‖ expiresAt (32) ‖ signer_0 (32) ‖ weight_0 (32) ‖ … ‖ weight_n (32)
///
/// `expiresAt` is the set's signed expiry (docs/protocol.md): from that unix time on, nothing the
/// set signs is accepted. The library only stores it; `SettlementVerifier` enforces it.
///
/// Signatures are passed packed, 65 bytes each (`r ‖ s ‖ v`, `v` ∈ {27, 28}), sorted by strictly
/// ascending recovered signer, so that membership is one merge walk over the sorted set and
/// duplicates are impossible. Only low-s signatures (`0 < s ≤ n/2`) with `0 < r < n` are accepted.
library SignerSetLib {
    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        CUSTOM ERRORS                       */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice The signer set has no member.
    error EmptySignerSet();
    /// @notice The signer set has `count` members, more than `max`.
    error TooManySigners(uint256 count, uint256 max);
    /// @notice `signers` and `weights` differ in length.
    error SignerWeightLengthMismatch(uint256 signers, uint256 weights);
    /// @notice The member at `index` is the zero address.
    error ZeroSigner(uint256 index);
    /// @notice The member `signer` at `index` has weight zero.
    error ZeroWeight(uint256 index, address signer);
    /// @notice The member `signer` at `index` is not above the previous member.
    error SignersNotSorted(uint256 index, address signer);
    /// @notice The members' weights overflow 256 bits.
    error WeightOverflow();
    /// @notice `threshold` is zero or above the set's total weight `totalWeight`.
    error BadThreshold(uint256 threshold, uint256 totalWeight);
    /// @notice `length` bytes of signatures are not a positive multiple of 65.
    error BadSignaturesLength(uint256 length);
    /// @notice Signature `index` has a recovery byte `v` other than 27 or 28.
    error BadSignatureV(uint256 index, uint8 v);
    /// @notice Signature `index` has `r` or `s` zero, or `r` not below the curve order.
    error SignatureOutOfRange(uint256 index);
    /// @notice Signature `index` has a high `s` (above n/2): the malleated form is refused.
    error HighS(uint256 index);
    /// @notice No signer could be recovered from signature `index`.
    error UnrecoverableSignature(uint256 index);
    /// @notice Signature `index` recovers `signer`, not above the previous signer `previous`.
    error SignersNotAscending(uint256 index, address signer, address previous);
    /// @notice Signature `index` recovers `signer`, who is not a member of the set.
    error NotASigner(uint256 index, address signer);
    /// @notice The valid signatures weigh `weight`, less than the set's `threshold`.
    error InsufficientWeight(uint256 weight, uint256 threshold);

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         CONSTANTS                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Order of the secp256k1 group.
    uint256 internal constant N =
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    /// @dev Largest accepted `s`: `n / 2`.
    uint256 internal constant HALF_N =
        0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    /// @dev Length of one packed signature.
    uint256 internal constant SIGNATURE_LENGTH = 65;
    /// @dev Bytes before the first member in a blob: threshold and expiry.
    uint256 internal constant HEADER_LENGTH = 64;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         SIGNER SETS                        */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Validates a signer set (1 to 64 members, strictly ascending non-zero addresses,
    /// non-zero weights, `0 < threshold ≤ Σ weight`) and packs it with its expiry into a blob.
    function encode(
        address[] memory signers,
        uint256[] memory weights,
        uint256 threshold,
        uint64 expiresAt
    ) internal pure returns (bytes memory blob) {
        uint256 n = signers.length;
        if (n == 0) revert EmptySignerSet();
        if (n > MeshTypes.MAX_SIGNERS) revert TooManySigners(n, MeshTypes.MAX_SIGNERS);
        if (weights.length != n) revert SignerWeightLengthMismatch(n, weights.length);
        blob = new bytes(HEADER_LENGTH + 64 * n);
        uint256 total;
        address previous;
        for (uint256 i; i < n; ++i) {
            address signer = signers[i];
            uint256 weight = weights[i];
            if (signer == address(0)) revert ZeroSigner(i);
            if (weight == 0) revert ZeroWeight(i, signer);
            if (i != 0 && signer <= previous) revert SignersNotSorted(i, signer);
            unchecked {
                uint256 sum = total + weight;
                if (sum < total) revert WeightOverflow();
                total = sum;
            }
            /// @solidity memory-safe-assembly
            assembly {
                let p := add(blob, add(0x60, shl(6, i)))
                mstore(p, signer)
                mstore(add(p, 0x20), weight)
            }
            previous = signer;
        }
        if (threshold == 0 || threshold > total) revert BadThreshold(threshold, total);
        /// @solidity memory-safe-assembly
        assembly {
            mstore(add(blob, 0x20), threshold)
            mstore(add(blob, 0x40), expiresAt)
        }
    }

    /// @dev Reads a blob written with SSTORE2 (data starts at code offset 1) of `size` bytes,
    /// with one EXTCODECOPY and no EXTCODESIZE.
    function load(address pointer, uint256 size) internal view returns (bytes memory blob) {
        /// @solidity memory-safe-assembly
        assembly {
            blob := mload(0x40)
            mstore(blob, size)
            extcodecopy(pointer, add(blob, 0x20), 0x01, size)
            mstore(0x40, add(add(blob, 0x20), size))
        }
    }

    /// @dev The set's threshold.
    function thresholdOf(bytes memory blob) internal pure returns (uint256 t) {
        /// @solidity memory-safe-assembly
        assembly {
            t := mload(add(blob, 0x20))
        }
    }

    /// @dev The set's expiry (a `uint64` stored in a full word by `encode`).
    function expiresAtOf(bytes memory blob) internal pure returns (uint64 e) {
        /// @solidity memory-safe-assembly
        assembly {
            e := mload(add(blob, 0x40))
        }
    }

    /// @dev Unpacks a blob into its members, weights and threshold (`expiresAtOf` reads the
    /// expiry).
    function decode(bytes memory blob)
        internal
        pure
        returns (address[] memory signers, uint256[] memory weights, uint256 t)
    {
        uint256 n = (blob.length - HEADER_LENGTH) / 64;
        signers = new address[](n);
        weights = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            address signer;
            uint256 weight;
            /// @solidity memory-safe-assembly
            assembly {
                let p := add(blob, add(0x60, shl(6, i)))
                signer := mload(p)
                weight := mload(add(p, 0x20))
            }
            signers[i] = signer;
            weights[i] = weight;
        }
        t = thresholdOf(blob);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         SIGNATURES                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev Checks that `signatures` (packed, ascending signers) are valid signatures of
    /// `digest` by members of the set in `blob` weighing at least its threshold. Every signature
    /// passed must be valid and from a member. Returns the signed weight.
    /// Same checks as `recover`, in one assembly loop (this is the hot path of `submitBatch`).
    function verify(bytes memory blob, bytes32 digest, bytes calldata signatures)
        internal
        view
        returns (uint256 weight)
    {
        uint256 count = signatures.length / SIGNATURE_LENGTH;
        if (count == 0 || count * SIGNATURE_LENGTH != signatures.length) {
            revert BadSignaturesLength(signatures.length);
        }
        /// @solidity memory-safe-assembly
        assembly {
            // Scratch space above the free memory pointer: precompile input at m (128 bytes),
            // output at m + 0x80; revert payloads are also built at m.
            let m := mload(0x40)
            let cursor := add(blob, 0x60) // First member, after the 64-byte header.
            let end := add(add(blob, 0x20), mload(blob))
            let previous := 0
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                let o := add(signatures.offset, mul(i, 65))
                let r := calldataload(o)
                let s := calldataload(add(o, 0x20))
                let v := byte(0, calldataload(add(o, 0x40)))
                if iszero(or(eq(v, 27), eq(v, 28))) {
                    mstore(m, 0x5433a295) // `BadSignatureV(uint256,uint8)`.
                    mstore(add(m, 0x20), i)
                    mstore(add(m, 0x40), v)
                    revert(add(m, 0x1c), 0x44)
                }
                if or(or(iszero(r), iszero(lt(r, N))), iszero(s)) {
                    mstore(m, 0xf4fd88cf) // `SignatureOutOfRange(uint256)`.
                    mstore(add(m, 0x20), i)
                    revert(add(m, 0x1c), 0x24)
                }
                if gt(s, HALF_N) {
                    mstore(m, 0x9ddca1c9) // `HighS(uint256)`.
                    mstore(add(m, 0x20), i)
                    revert(add(m, 0x1c), 0x24)
                }
                mstore(m, digest)
                mstore(add(m, 0x20), v)
                mstore(add(m, 0x40), r)
                mstore(add(m, 0x60), s)
                mstore(add(m, 0x80), 0)
                pop(staticcall(gas(), 0x01, m, 0x80, add(m, 0x80), 0x20))
                // The precompile returns nothing (output stays zero) for an invalid signature.
                let signer := mload(add(m, 0x80))
                if iszero(signer) {
                    mstore(m, 0x4a4888ca) // `UnrecoverableSignature(uint256)`.
                    mstore(add(m, 0x20), i)
                    revert(add(m, 0x1c), 0x24)
                }
                if iszero(gt(signer, previous)) {
                    mstore(m, 0x5f418966) // `SignersNotAscending(uint256,address,address)`.
                    mstore(add(m, 0x20), i)
                    mstore(add(m, 0x40), signer)
                    mstore(add(m, 0x60), previous)
                    revert(add(m, 0x1c), 0x64)
                }
                // Both lists are sorted: skip members below the signer.
                for {} and(lt(cursor, end), lt(mload(cursor), signer)) {} {
                    cursor := add(cursor, 0x40)
                }
                let w := 0
                if lt(cursor, end) {
                    if eq(mload(cursor), signer) {
                        w := mload(add(cursor, 0x20))
                        cursor := add(cursor, 0x40)
                    }
                }
                if iszero(w) {
                    mstore(m, 0x2ecced45) // `NotASigner(uint256,address)`.
                    mstore(add(m, 0x20), i)
                    mstore(add(m, 0x40), signer)
                    revert(add(m, 0x1c), 0x44)
                }
                // Members are distinct and their total did not overflow when the set was encoded.
                weight := add(weight, w)
                previous := signer
            }
        }
        uint256 t = thresholdOf(blob);
        if (weight < t) revert InsufficientWeight(weight, t);
    }

    /// @dev Recovers the signer of the `index`-th packed signature over `digest`, refusing bad
    /// `v`, `r` or `s` out of range, high `s` and unrecoverable signatures.
    function recover(bytes32 digest, bytes calldata signatures, uint256 index)
        internal
        view
        returns (address signer)
    {
        bytes32 r;
        uint256 s;
        uint256 v;
        /// @solidity memory-safe-assembly
        assembly {
            let o := add(signatures.offset, mul(index, 65))
            r := calldataload(o)
            s := calldataload(add(o, 0x20))
            v := byte(0, calldataload(add(o, 0x40)))
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        if (v != 27 && v != 28) revert BadSignatureV(index, uint8(v)); // v is one byte
        if (r == 0 || uint256(r) >= N || s == 0) revert SignatureOutOfRange(index);
        if (s > HALF_N) revert HighS(index);
        /// @solidity memory-safe-assembly
        assembly {
            let m := mload(0x40)
            mstore(m, digest)
            mstore(add(m, 0x20), v)
            mstore(add(m, 0x40), r)
            mstore(add(m, 0x60), s)
            pop(staticcall(gas(), 0x01, m, 0x80, m, 0x20))
            // The precompile returns nothing for an invalid signature.
            signer := mul(eq(returndatasize(), 0x20), mload(m))
        }
        if (signer == address(0)) revert UnrecoverableSignature(index);
    }
}
