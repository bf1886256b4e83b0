// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SSTORE2} from "solady/utils/SSTORE2.sol";

import {MeshTypes} from "./MeshTypes.sol";
import {ISettlementVerifier} from "./interfaces/ISettlementVerifier.sol";
import {SignerSetLib} from "./lib/SignerSetLib.sol";

/// @title SettlementVerifier
/// @notice Verifies the hub's signed settlement batch roots once per chain and caches them, so
/// that one set of signatures settles every leg of the batch this chain escrows.
/// @dev Signer sets are weighted and rotated by epoch. Each set is stored as one SSTORE2 blob and
/// read with a single EXTCODECOPY, so a k-signature check costs about one cold SLOAD, one cold
/// EXTCODECOPY and k ECRECOVERs. The current epoch and the previous `RETAINED_EPOCHS` epochs are
/// accepted, so batches signed just before a rotation still verify.
///
/// Every set carries a signed expiry (kept in its blob, so the hot path reads it for free): from
/// `expiresAt` on the set verifies nothing, whether current or retained, so signing power never
/// outlives the stake the hub keeps slashable until then. Expiries never decrease along the
/// epochs (`rotate`), so once the current set expired the verifier accepts no signature at all.
/// Recovery from that state (see `ISettlementVerifier` and docs/protocol.md): every leg still
/// refunds through `MeshRouter.refundExpired`; the operator deploys a new verifier and router
/// with a fresh genesis set and re-points the hub's chain registry.
contract SettlementVerifier is ISettlementVerifier {
    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         CONSTANTS                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice How many epochs before the current one still verify batches.
    uint64 public constant RETAINED_EPOCHS = 3;

    /// @inheritdoc ISettlementVerifier
    bytes32 public immutable override DOMAIN_SEPARATOR;

    /// @notice The domain salt, `MeshTypes.hubSalt(hubChainId, deployment)`.
    bytes32 public immutable HUB_SALT;

    /// @notice Seconds a signer set must have been current before it can rotate.
    uint64 public immutable MIN_ROTATION_DELAY;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          STORAGE                           */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev The current epoch and its set, in one slot (the hot path reads only this).
    struct Current {
        address pointer;
        uint32 size;
        uint64 epoch;
    }

    /// @dev One epoch's set and when it became current.
    struct EpochRecord {
        address pointer;
        uint32 size;
        uint64 activatedAt;
    }

    /// @notice The hub's chain id, bound by the domain salt.
    string public hubChainId;

    /// @inheritdoc ISettlementVerifier
    string public override deployment;

    Current internal _current;
    mapping(uint64 epoch => EpochRecord) internal _epochs;
    mapping(bytes32 root => RootRecord) internal _roots;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        CONSTRUCTOR                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @param hubChainId_ The hub's chain id (e.g. "mesh-devnet-1"), non-empty.
    /// @param deployment_ The bech32 address of the hub's bundle-log contract, non-empty.
    /// Together with `hubChainId_` it forms the EIP-712 domain salt.
    /// @param genesisEpoch The hub's epoch of the genesis set.
    /// @param signers The genesis members, strictly ascending, non-zero, at most 64.
    /// @param weights The genesis members' weights, non-zero.
    /// @param threshold The genesis threshold, `0 < threshold ≤ Σ weights`.
    /// @param expiresAt The genesis set's signed expiry, after the deployment time.
    /// @param minRotationDelay Seconds a set must be current before the next rotation.
    constructor(
        string memory hubChainId_,
        string memory deployment_,
        uint64 genesisEpoch,
        address[] memory signers,
        uint256[] memory weights,
        uint256 threshold,
        uint64 expiresAt,
        uint64 minRotationDelay
    ) {
        if (bytes(hubChainId_).length == 0) revert EmptyHubChainId();
        if (bytes(deployment_).length == 0) revert EmptyDeployment();
        hubChainId = hubChainId_;
        deployment = deployment_;
        bytes32 salt = MeshTypes.hubSalt(hubChainId_, deployment_);
        HUB_SALT = salt;
        DOMAIN_SEPARATOR = MeshTypes.domainSeparator(salt);
        MIN_ROTATION_DELAY = minRotationDelay;
        if (expiresAt <= block.timestamp) revert ExpiryInPast(expiresAt, block.timestamp);
        _activate(genesisEpoch, signers, weights, threshold, expiresAt);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                      STATE-CHANGING                        */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @inheritdoc ISettlementVerifier
    function submitBatch(uint64 epoch, uint64 batchIndex, bytes32 root, bytes calldata signatures)
        external
        returns (bool newlyVerified)
    {
        if (root == bytes32(0)) revert ZeroRoot();
        RootRecord storage record = _roots[root];
        if (record.verified) return false;
        bytes32 digest = MeshTypes.typedDataDigest(
            DOMAIN_SEPARATOR, MeshTypes.settlementBatchHash(epoch, batchIndex, root)
        );
        SignerSetLib.verify(_setOf(epoch), digest, signatures);
        _roots[root] = RootRecord({
            verified: true,
            epoch: epoch,
            batchIndex: batchIndex,
            verifiedAt: uint64(block.timestamp)
        });
        emit BatchVerified(root, epoch, batchIndex);
        return true;
    }

    /// @inheritdoc ISettlementVerifier
    function rotate(
        address[] calldata signers,
        uint256[] calldata weights,
        uint256 threshold,
        uint64 expiresAt,
        bytes calldata signatures
    ) external {
        (bytes memory currentSet, uint64 newEpoch) = _checkRotation(expiresAt);
        bytes32 digest = MeshTypes.typedDataDigest(
            DOMAIN_SEPARATOR,
            MeshTypes.signerSetUpdateHash(
                newEpoch, MeshTypes.signerSetHash(signers, weights, threshold, expiresAt)
            )
        );
        SignerSetLib.verify(currentSet, digest, signatures);
        _activate(newEpoch, signers, weights, threshold, expiresAt);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                           VIEWS                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @inheritdoc ISettlementVerifier
    function isVerifiedRoot(bytes32 root) external view returns (bool) {
        return _roots[root].verified;
    }

    /// @inheritdoc ISettlementVerifier
    function rootRecord(bytes32 root) external view returns (RootRecord memory) {
        return _roots[root];
    }

    /// @inheritdoc ISettlementVerifier
    function currentEpoch() external view returns (uint64) {
        return _current.epoch;
    }

    /// @inheritdoc ISettlementVerifier
    function isEpochActive(uint64 epoch) public view returns (bool) {
        uint64 current = _current.epoch;
        if (epoch > current || current - epoch > RETAINED_EPOCHS) return false;
        EpochRecord memory record = _epochs[epoch];
        if (record.pointer == address(0)) return false;
        // Only the header (threshold, expiry) is read.
        bytes memory header = SignerSetLib.load(record.pointer, SignerSetLib.HEADER_LENGTH);
        return block.timestamp < SignerSetLib.expiresAtOf(header);
    }

    /// @inheritdoc ISettlementVerifier
    function signerSet(uint64 epoch)
        external
        view
        returns (
            address[] memory signers,
            uint256[] memory weights,
            uint256 threshold,
            uint64 expiresAt,
            uint64 activatedAt
        )
    {
        EpochRecord memory record = _epochs[epoch];
        if (record.pointer == address(0)) return (signers, weights, 0, 0, 0);
        bytes memory blob = SignerSetLib.load(record.pointer, record.size);
        (signers, weights, threshold) = SignerSetLib.decode(blob);
        expiresAt = SignerSetLib.expiresAtOf(blob);
        activatedAt = record.activatedAt;
    }

    /// @inheritdoc ISettlementVerifier
    function checkSignatures(uint64 epoch, bytes32 digest, bytes calldata signatures)
        external
        view
        returns (uint256 weight)
    {
        return SignerSetLib.verify(_setOf(epoch), digest, signatures);
    }

    /// @inheritdoc ISettlementVerifier
    function batchDigest(uint64 epoch, uint64 batchIndex, bytes32 root)
        external
        view
        returns (bytes32)
    {
        return MeshTypes.typedDataDigest(
            DOMAIN_SEPARATOR, MeshTypes.settlementBatchHash(epoch, batchIndex, root)
        );
    }

    /// @inheritdoc ISettlementVerifier
    function signerSetUpdateDigest(uint64 newEpoch, bytes32 signersHash)
        external
        view
        returns (bytes32)
    {
        return MeshTypes.typedDataDigest(
            DOMAIN_SEPARATOR, MeshTypes.signerSetUpdateHash(newEpoch, signersHash)
        );
    }

    /// @inheritdoc ISettlementVerifier
    function signerSetHash(
        address[] calldata signers,
        uint256[] calldata weights,
        uint256 threshold,
        uint64 expiresAt
    ) external pure returns (bytes32) {
        return MeshTypes.signerSetHash(signers, weights, threshold, expiresAt);
    }

    /// @notice The EIP-712 domain (ERC-5267): name, version and salt only.
    /// @return fields `0x13`: name, version and salt are set.
    /// @return name "AtomicMesh".
    /// @return version "4" (`MeshTypes.VERSION`, the version the domain separator hashes).
    /// @return chainId Zero: not part of the domain.
    /// @return verifyingContract Zero: not part of the domain.
    /// @return salt `MeshTypes.hubSalt(hubChainId, deployment)`.
    /// @return extensions None.
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        return (hex"13", "AtomicMesh", MeshTypes.VERSION, 0, address(0), HUB_SALT, extensions);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         INTERNALS                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev The packed set of `epoch`, which must be current or retained, and not expired.
    function _setOf(uint64 epoch) internal view returns (bytes memory blob) {
        Current memory current = _current;
        if (epoch == current.epoch) {
            blob = SignerSetLib.load(current.pointer, current.size);
        } else {
            if (epoch > current.epoch || current.epoch - epoch > RETAINED_EPOCHS) {
                revert EpochNotActive(epoch, current.epoch);
            }
            EpochRecord memory record = _epochs[epoch];
            if (record.pointer == address(0)) revert EpochNotActive(epoch, current.epoch);
            blob = SignerSetLib.load(record.pointer, record.size);
        }
        uint64 expiresAt = SignerSetLib.expiresAtOf(blob);
        if (block.timestamp >= expiresAt) revert SignerSetExpired(epoch, expiresAt);
    }

    /// @dev The time checks of `rotate` for a new set expiring at `expiresAt`; returns the
    /// current set (which signs the rotation) and the new epoch.
    function _checkRotation(uint64 expiresAt)
        internal
        view
        returns (bytes memory currentSet, uint64 newEpoch)
    {
        Current memory current = _current;
        currentSet = SignerSetLib.load(current.pointer, current.size);
        uint64 currentExpiresAt = SignerSetLib.expiresAtOf(currentSet);
        // An expired set cannot hand its power over: its members may no longer be slashable.
        if (block.timestamp >= currentExpiresAt) {
            revert SignerSetExpired(current.epoch, currentExpiresAt);
        }
        uint256 earliest = uint256(_epochs[current.epoch].activatedAt) + MIN_ROTATION_DELAY;
        if (block.timestamp < earliest) revert RotationTooEarly(earliest, block.timestamp);
        if (expiresAt <= block.timestamp) revert ExpiryInPast(expiresAt, block.timestamp);
        // Expiries never decrease: the current set is always the last one to expire.
        if (expiresAt < currentExpiresAt) revert ExpiryBeforeCurrent(expiresAt, currentExpiresAt);
        newEpoch = current.epoch + 1;
    }

    /// @dev Validates, stores and makes current the set of `epoch` (its expiry is checked by the
    /// callers).
    function _activate(
        uint64 epoch,
        address[] memory signers,
        uint256[] memory weights,
        uint256 threshold,
        uint64 expiresAt
    ) internal {
        bytes memory blob = SignerSetLib.encode(signers, weights, threshold, expiresAt);
        address pointer = SSTORE2.write(blob);
        uint32 size = uint32(blob.length);
        _epochs[epoch] =
            EpochRecord({pointer: pointer, size: size, activatedAt: uint64(block.timestamp)});
        _current = Current({pointer: pointer, size: size, epoch: epoch});
        emit SignerSetActivated(
            epoch,
            MeshTypes.signerSetHash(signers, weights, threshold, expiresAt),
            signers,
            weights,
            threshold,
            expiresAt
        );
    }
}
