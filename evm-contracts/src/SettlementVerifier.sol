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
contract SettlementVerifier is ISettlementVerifier {
    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         CONSTANTS                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @notice How many epochs before the current one still verify batches.
    uint64 public constant RETAINED_EPOCHS = 3;

    /// @inheritdoc ISettlementVerifier
    bytes32 public immutable override DOMAIN_SEPARATOR;

    /// @notice `keccak256(bytes(hubChainId))`, the domain salt.
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

    /// @notice The hub's chain id, whose hash is the domain salt.
    string public hubChainId;

    Current internal _current;
    mapping(uint64 epoch => EpochRecord) internal _epochs;
    mapping(bytes32 root => RootRecord) internal _roots;

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        CONSTRUCTOR                         */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @param hubChainId_ The hub's chain id (e.g. "mesh-devnet-1"); binds the EIP-712 domain.
    /// @param genesisEpoch The hub's epoch of the genesis set.
    /// @param signers The genesis members, strictly ascending, non-zero, at most 64.
    /// @param weights The genesis members' weights, non-zero.
    /// @param threshold The genesis threshold, `0 < threshold ≤ Σ weights`.
    /// @param minRotationDelay Seconds a set must be current before the next rotation.
    constructor(
        string memory hubChainId_,
        uint64 genesisEpoch,
        address[] memory signers,
        uint256[] memory weights,
        uint256 threshold,
        uint64 minRotationDelay
    ) {
        if (bytes(hubChainId_).length == 0) revert EmptyHubChainId();
        hubChainId = hubChainId_;
        bytes32 salt = MeshTypes.hubSalt(hubChainId_);
        HUB_SALT = salt;
        DOMAIN_SEPARATOR = MeshTypes.domainSeparator(salt);
        MIN_ROTATION_DELAY = minRotationDelay;
        _activate(genesisEpoch, signers, weights, threshold);
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
        bytes calldata signatures
    ) external {
        Current memory current = _current;
        uint256 earliest = uint256(_epochs[current.epoch].activatedAt) + MIN_ROTATION_DELAY;
        if (block.timestamp < earliest) revert RotationTooEarly(earliest, block.timestamp);
        uint64 newEpoch = current.epoch + 1;
        bytes32 signersHash = MeshTypes.signerSetHash(signers, weights, threshold);
        bytes32 digest = MeshTypes.typedDataDigest(
            DOMAIN_SEPARATOR, MeshTypes.signerSetUpdateHash(newEpoch, signersHash)
        );
        SignerSetLib.verify(SignerSetLib.load(current.pointer, current.size), digest, signatures);
        _activate(newEpoch, signers, weights, threshold);
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
        return epoch <= current && current - epoch <= RETAINED_EPOCHS
            && _epochs[epoch].pointer != address(0);
    }

    /// @inheritdoc ISettlementVerifier
    function signerSet(uint64 epoch)
        external
        view
        returns (
            address[] memory signers,
            uint256[] memory weights,
            uint256 threshold,
            uint64 activatedAt
        )
    {
        EpochRecord memory record = _epochs[epoch];
        if (record.pointer == address(0)) return (signers, weights, 0, 0);
        (signers, weights, threshold) =
            SignerSetLib.decode(SignerSetLib.load(record.pointer, record.size));
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
        uint256 threshold
    ) external pure returns (bytes32) {
        return MeshTypes.signerSetHash(signers, weights, threshold);
    }

    /// @notice The EIP-712 domain (ERC-5267): name, version and salt only.
    /// @return fields `0x13`: name, version and salt are set.
    /// @return name "AtomicMesh".
    /// @return version "1".
    /// @return chainId Zero: not part of the domain.
    /// @return verifyingContract Zero: not part of the domain.
    /// @return salt `keccak256(bytes(hubChainId))`.
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
        return (hex"13", "AtomicMesh", "1", 0, address(0), HUB_SALT, extensions);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                         INTERNALS                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev The packed set of `epoch`, which must be current or retained.
    function _setOf(uint64 epoch) internal view returns (bytes memory) {
        Current memory current = _current;
        if (epoch == current.epoch) return SignerSetLib.load(current.pointer, current.size);
        if (epoch > current.epoch || current.epoch - epoch > RETAINED_EPOCHS) {
            revert EpochNotActive(epoch, current.epoch);
        }
        EpochRecord memory record = _epochs[epoch];
        if (record.pointer == address(0)) revert EpochNotActive(epoch, current.epoch);
        return SignerSetLib.load(record.pointer, record.size);
    }

    /// @dev Validates, stores and makes current the set of `epoch`.
    function _activate(
        uint64 epoch,
        address[] memory signers,
        uint256[] memory weights,
        uint256 threshold
    ) internal {
        bytes memory blob = SignerSetLib.encode(signers, weights, threshold);
        address pointer = SSTORE2.write(blob);
        uint32 size = uint32(blob.length);
        _epochs[epoch] =
            EpochRecord({pointer: pointer, size: size, activatedAt: uint64(block.timestamp)});
        _current = Current({pointer: pointer, size: size, epoch: epoch});
        emit SignerSetActivated(
            epoch, MeshTypes.signerSetHash(signers, weights, threshold), signers, weights, threshold
        );
    }
}
