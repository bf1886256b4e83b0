// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SSTORE2} from "solady/utils/SSTORE2.sol";

import {MeshRouter} from "../MeshRouter.sol";
import {MeshTypes} from "../MeshTypes.sol";
import {ISettlementVerifier} from "../interfaces/ISettlementVerifier.sol";
import {SignerSetLib} from "../lib/SignerSetLib.sol";

/// @title PerLegSignatureRouter
/// @notice Gas baseline, NOT part of the protocol: a MeshRouter in which every settlement
/// verifies the signer set's signatures itself, over `Settlement(bundleId, verdict)` as EIP-712
/// typed data, instead of one Merkle proof under a batch root verified once.
/// @dev Same escrow code and the same signature checks (SignerSetLib, SSTORE2 set) as the
/// protocol contracts, so that the comparison isolates the batching.
contract PerLegSignatureRouter is MeshRouter {
    address internal immutable _SET_POINTER;
    uint256 internal immutable _SET_SIZE;

    /// @param verifier_ The verifier (only its domain is used here).
    /// @param domain_ The router's domain id (see `MeshRouter`).
    /// @param refundGrace_ The router's refund grace (see `MeshRouter`).
    /// @param signers The signer set's members, ascending.
    /// @param weights The members' weights.
    /// @param threshold The weight a settlement needs.
    constructor(
        ISettlementVerifier verifier_,
        uint64 domain_,
        uint64 refundGrace_,
        address[] memory signers,
        uint256[] memory weights,
        uint256 threshold
    ) MeshRouter(verifier_, domain_, refundGrace_) {
        // A baseline only: its set never expires (the protocol's expiry is the verifier's job).
        bytes memory blob = SignerSetLib.encode(signers, weights, threshold, type(uint64).max);
        _SET_POINTER = SSTORE2.write(blob);
        _SET_SIZE = blob.length;
    }

    /// @notice Settles one leg with the set's signatures over its bundle's verdict.
    /// @param bundleId The bundle's id.
    /// @param index The leg's index.
    /// @param verdict 1 = COMMIT, 2 = ABORT.
    /// @param signatures Packed signatures over `Settlement(bundleId, verdict)`, ascending.
    function settleWithSignatures(
        bytes32 bundleId,
        uint32 index,
        uint8 verdict,
        bytes calldata signatures
    ) external nonReentrant {
        if (verdict != MeshTypes.COMMIT && verdict != MeshTypes.ABORT) {
            revert InvalidVerdict(verdict);
        }
        bytes32 digest =
            MeshTypes.typedDataDigest(_HUB_DOMAIN, MeshTypes.settlementLeaf(bundleId, verdict));
        SignerSetLib.verify(SignerSetLib.load(_SET_POINTER, _SET_SIZE), digest, signatures);
        _settleLeg(bundleId, index, verdict);
    }
}
