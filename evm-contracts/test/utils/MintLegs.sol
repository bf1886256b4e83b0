// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MeshRouter} from "../../src/MeshRouter.sol";
import {Leg, LegProof, MeshTypes} from "../../src/MeshTypes.sol";

/// @notice Builds lock-and-mint legs and their bundles for the forge suites (test/Mint.t.sol,
/// test/invariant/MintInvariants.t.sol).
library MintLegs {
    /// @dev A bundle as `lock` and `settleUnlocked` take it.
    struct MBundle {
        bytes32 creatorHash;
        uint64 nonce;
        uint64 lockDeadline;
        uint64 settleDeadline;
        Leg[] legs;
    }

    function acct(address a) internal pure returns (bytes32) {
        return MeshTypes.account(a);
    }

    /// @dev A leg of `kind` on `router`'s domain moving `amount` of `originToken` (whose domain is
    /// `origin` for mint and burn legs); the router stands for the side nobody holds.
    function leg(
        MeshRouter router,
        uint8 kind,
        uint64 origin,
        bytes32 originToken,
        address user,
        uint256 amount
    ) internal view returns (Leg memory l) {
        bool locks = kind == MeshTypes.KIND_LOCK || kind == MeshTypes.KIND_BURN;
        l.domain = router.domain();
        l.router = acct(address(router));
        l.depositor = locks ? acct(user) : acct(address(router));
        l.recipient = locks ? acct(address(router)) : acct(user);
        l.token = originToken;
        l.amount = amount;
        l.kind = kind;
        l.origin = origin;
    }

    /// @dev A two-leg bundle: `first` then `second`, deadlines 1 h and 2 h from now.
    function pair(uint64 nonce, Leg memory first, Leg memory second)
        internal
        view
        returns (MBundle memory b)
    {
        b.creatorHash = MeshTypes.creatorHash("inj1minter");
        b.nonce = nonce;
        b.lockDeadline = uint64(block.timestamp + 1 hours);
        b.settleDeadline = uint64(block.timestamp + 2 hours);
        b.legs = new Leg[](2);
        b.legs[0] = first;
        b.legs[1] = second;
    }

    function legHashes(MBundle memory b) internal pure returns (bytes32[] memory hashes) {
        hashes = new bytes32[](b.legs.length);
        for (uint256 i; i < b.legs.length; ++i) {
            hashes[i] = MeshTypes.legHash(b.legs[i]);
        }
    }

    function id(MBundle memory b, bytes32 hubDomain) internal pure returns (bytes32) {
        return MeshTypes.bundleIdFromLegHashes(
            hubDomain, b.creatorHash, b.nonce, b.lockDeadline, b.settleDeadline, legHashes(b)
        );
    }

    /// @dev Leg `index` with its bundle's fields, for `settleUnlocked`.
    function proofOf(MBundle memory b, uint32 index) internal pure returns (LegProof memory p) {
        p.leg = b.legs[index];
        p.lockDeadline = b.lockDeadline;
        p.settleDeadline = b.settleDeadline;
        p.creatorHash = b.creatorHash;
        p.nonce = b.nonce;
        p.legHashes = legHashes(b);
    }

    /// @dev Locks leg `index` (its depositor must be the caller, tokens approved).
    function lock(MBundle memory b, uint32 index, bytes32 hubDomain) internal returns (uint256) {
        return MeshRouter(address(uint160(uint256(b.legs[index].router))))
            .lock(
                id(b, hubDomain),
                index,
                b.legs[index],
                b.lockDeadline,
                b.settleDeadline,
                b.creatorHash,
                b.nonce,
                legHashes(b)
            );
    }
}
