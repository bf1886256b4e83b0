// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ISettlementVerifier
/// @notice Verifies batch roots signed by the hub's weighted relayer set and keeps the set current.
/// @dev Statements are EIP-712 typed data under the hub's domain (docs/protocol.md, sections 2-3),
/// whose salt binds one hub deployment (hub chain id and bundle-log address):
/// `SettlementBatch(uint64 epoch,uint64 batchIndex,bytes32 root)` and
/// `SignerSetUpdate(uint64 newEpoch,bytes32 signersHash)`, where `signersHash` is
/// `hashStruct(SignerSet(address[] signers,uint256[] weights,uint256 threshold,uint64 expiresAt))`.
/// Signatures are packed 65-byte `r ‖ s ‖ v` values sorted by strictly ascending signer address.
///
/// Expiry: every set carries a signed `expiresAt`. From that unix time on the set verifies
/// nothing: no batch root, no in-place check, no rotation away from it. Roots it verified
/// before its expiry stay verified.
///
/// Recovery when the current set expired without a rotation (relayers offline, or more than a
/// third of the weight refusing to sign): this verifier accepts no signature any more, by design.
/// No funds are stuck: every leg escrowed by a router trusting it is still refunded by
/// `MeshRouter.refundExpired` once its `settleDeadline + refundGrace` passed, without any
/// signature. The operator then deploys a new SettlementVerifier (fresh genesis set from the
/// hub's stake-escrow) and a new MeshRouter trusting it, and re-points the hub's chain registry
/// at the new router; new bundles use the new router.
interface ISettlementVerifier {
    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          STRUCTS                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice What the verifier knows about a verified batch root.
    /// @param verified Whether the root was verified.
    /// @param epoch The signer-set epoch whose signatures verified it.
    /// @param batchIndex The hub batch index it was signed for.
    /// @param verifiedAt The block timestamp of the verification.
    struct RootRecord {
        bool verified;
        uint64 epoch;
        uint64 batchIndex;
        uint64 verifiedAt;
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           EVENTS                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice The signer set of `epoch` became current.
    /// @param epoch The new epoch.
    /// @param signersHash `hashStruct(SignerSet)` of the new set.
    /// @param signers The members, strictly ascending.
    /// @param weights The members' weights.
    /// @param threshold The weight a statement needs.
    /// @param expiresAt The unix time from which the set verifies nothing.
    event SignerSetActivated(
        uint64 indexed epoch,
        bytes32 indexed signersHash,
        address[] signers,
        uint256[] weights,
        uint256 threshold,
        uint64 expiresAt
    );

    /// @notice Batch `batchIndex` of `epoch` with root `root` was verified and cached.
    /// @param root The batch's Merkle root of settlement leaves.
    /// @param epoch The signer-set epoch that signed it.
    /// @param batchIndex The hub's batch index.
    event BatchVerified(bytes32 indexed root, uint64 epoch, uint64 batchIndex);

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        CUSTOM ERRORS                       */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice A batch root of zero is never valid.
    error ZeroRoot();
    /// @notice `epoch` is not the current epoch `current` nor one of the retained previous ones.
    error EpochNotActive(uint64 epoch, uint64 current);
    /// @notice A rotation was attempted before `earliest` (now `timestamp`).
    error RotationTooEarly(uint256 earliest, uint256 timestamp);
    /// @notice The hub chain id is empty.
    error EmptyHubChainId();
    /// @notice The hub deployment (bundle-log address) is empty.
    error EmptyDeployment();
    /// @notice The set of `epoch` expired at `expiresAt`: it verifies nothing any more.
    error SignerSetExpired(uint64 epoch, uint64 expiresAt);
    /// @notice A new set's expiry `expiresAt` is not after now (`timestamp`).
    error ExpiryInPast(uint64 expiresAt, uint256 timestamp);
    /// @notice A new set's expiry `expiresAt` is before the current set's `currentExpiresAt`.
    error ExpiryBeforeCurrent(uint64 expiresAt, uint64 currentExpiresAt);

    // Raised from assembly by `SignerSetLib.verify` (declared here so that they are in the ABI;
    // the set-validation errors of `SignerSetLib` are in the ABI already).

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

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                      STATE-CHANGING                        */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice Verifies a batch root signed by the signer set of `epoch` and caches it.
    /// @dev Permissionless: signatures are public on the hub. Submitting an already verified root
    /// is a cheap no-op that returns false (it neither reverts nor re-emits), so concurrent
    /// posters cannot make each other fail. Reverts on a zero root, an epoch outside the current
    /// and retained ones, an expired set (`SignerSetExpired`), or signatures that do not reach
    /// the threshold.
    /// @param epoch The signer-set epoch whose members signed.
    /// @param batchIndex The hub's batch index.
    /// @param root The batch's Merkle root.
    /// @param signatures Packed 65-byte signatures, strictly ascending by signer.
    /// @return newlyVerified True when this call verified the root, false if it already was.
    function submitBatch(uint64 epoch, uint64 batchIndex, bytes32 root, bytes calldata signatures)
        external
        returns (bool newlyVerified);

    /// @notice Rotates to the next epoch's signer set, signed by the current set.
    /// @dev The current set signs `SignerSetUpdate(currentEpoch + 1, signersHash(new set))`, the
    /// new set's expiry included. Allowed once the current set has been active for
    /// `MIN_ROTATION_DELAY` seconds and only while it has not expired (`SignerSetExpired`
    /// otherwise). The new set must expire after now (`ExpiryInPast`) and not before the current
    /// set (`ExpiryBeforeCurrent`), so expiries never decrease along the epochs and the current
    /// set is always the last to expire. The previous `RETAINED_EPOCHS` sets keep verifying
    /// batches until their own expiry.
    /// @param signers The new members, strictly ascending, non-zero, at most 64.
    /// @param weights The new members' weights, non-zero.
    /// @param threshold The new threshold, `0 < threshold ≤ Σ weights`.
    /// @param expiresAt The new set's signed expiry (unix seconds).
    /// @param signatures The current set's packed signatures, strictly ascending by signer.
    function rotate(
        address[] calldata signers,
        uint256[] calldata weights,
        uint256 threshold,
        uint64 expiresAt,
        bytes calldata signatures
    ) external;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           VIEWS                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice Whether `root` was verified (what routers check before applying a verdict).
    /// @param root A batch root.
    /// @return True once `submitBatch` verified it.
    function isVerifiedRoot(bytes32 root) external view returns (bool);

    /// @notice The record of a verified root (all zero if unknown).
    /// @param root A batch root.
    /// @return The root's record.
    function rootRecord(bytes32 root) external view returns (RootRecord memory);

    /// @notice The current signer-set epoch.
    /// @return The epoch.
    function currentEpoch() external view returns (uint64);

    /// @notice Whether signatures of `epoch`'s set are accepted (current or retained, and not
    /// expired).
    /// @param epoch An epoch.
    /// @return True if `submitBatch` accepts that epoch now.
    function isEpochActive(uint64 epoch) external view returns (bool);

    /// @notice The signer set of `epoch` (empty arrays if unknown).
    /// @param epoch An epoch.
    /// @return signers The members, ascending.
    /// @return weights The members' weights.
    /// @return threshold The set's threshold.
    /// @return expiresAt The set's signed expiry: from then on it verifies nothing.
    /// @return activatedAt When the set became current.
    function signerSet(uint64 epoch)
        external
        view
        returns (
            address[] memory signers,
            uint256[] memory weights,
            uint256 threshold,
            uint64 expiresAt,
            uint64 activatedAt
        );

    /// @notice Checks signatures over `digest` by `epoch`'s set without changing state.
    /// @dev Reverts exactly as `submitBatch` would on bad signatures, an inactive epoch or an
    /// expired set; lets relayers pre-check, and `MeshRouter.settleBatch` verifies in place.
    /// @param epoch The current or a retained epoch.
    /// @param digest The EIP-712 signing digest.
    /// @param signatures Packed 65-byte signatures, strictly ascending by signer.
    /// @return weight The signed weight (at least the threshold).
    function checkSignatures(uint64 epoch, bytes32 digest, bytes calldata signatures)
        external
        view
        returns (uint256 weight);

    /// @notice The digest signers sign for a batch.
    /// @param epoch The epoch.
    /// @param batchIndex The hub batch index.
    /// @param root The batch root.
    /// @return The EIP-712 signing digest of `SettlementBatch(epoch, batchIndex, root)`.
    function batchDigest(uint64 epoch, uint64 batchIndex, bytes32 root)
        external
        view
        returns (bytes32);

    /// @notice The digest the current set signs to rotate to a new set.
    /// @param newEpoch The new epoch.
    /// @param signersHash `hashStruct(SignerSet)` of the new set.
    /// @return The EIP-712 signing digest of `SignerSetUpdate(newEpoch, signersHash)`.
    function signerSetUpdateDigest(uint64 newEpoch, bytes32 signersHash)
        external
        view
        returns (bytes32);

    /// @notice `hashStruct(SignerSet)` of a set.
    /// @param signers The members.
    /// @param weights The weights.
    /// @param threshold The threshold.
    /// @param expiresAt The set's expiry.
    /// @return The signer set hash.
    function signerSetHash(
        address[] calldata signers,
        uint256[] calldata weights,
        uint256 threshold,
        uint64 expiresAt
    ) external pure returns (bytes32);

    /// @notice The hub's EIP-712 domain separator (also every bundle id's `hubDomain`).
    /// @return The domain separator.
    function DOMAIN_SEPARATOR() external view returns (bytes32);

    /// @notice The hub deployment the domain binds: the bech32 address of the hub's bundle-log.
    /// @return The deployment string.
    function deployment() external view returns (string memory);
}
