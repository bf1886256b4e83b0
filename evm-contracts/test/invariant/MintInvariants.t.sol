// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MeshRouter} from "../../src/MeshRouter.sol";
import {MeshTypes} from "../../src/MeshTypes.sol";
import {MeshWrappedToken} from "../../src/MeshWrappedToken.sol";
import {SettlementVerifier} from "../../src/SettlementVerifier.sol";
import {IMeshRouter} from "../../src/interfaces/IMeshRouter.sol";
import {TestToken} from "../mocks/TestToken.sol";
import {MeshFixture} from "../utils/MeshFixture.sol";
import {MintLegs} from "../utils/MintLegs.sol";
import {VM, Vm} from "../utils/Vm.sol";

/// @notice Drives two Routers (two domains, each the origin of one token) through random
/// lock-and-mint and burn-and-release bundles delivered to both chains in random leg order with
/// random verdicts, and through attacks (a second settlement of a mint, a mint by someone else, a
/// release with no burn behind it). Ghosts count what was locked, minted, burned and released.
contract MintHandler {
    using MintLegs for MintLegs.MBundle;

    Vm internal constant vm = VM;

    MeshRouter[2] public routers;
    TestToken[2] public tokens;
    SettlementVerifier internal immutable verifier;
    bytes32 internal immutable hubDomain;
    uint256[] internal signerKeys;
    address[3] public actors;
    uint64 internal nonce;
    uint64 internal batchIndex;

    // Ghosts, per origin (0 or 1).
    uint256[2] public ghostReserve;
    uint256[2] public ghostMinted;
    uint256[2] public ghostBurned;
    uint256 public violations;
    uint256 public commits;

    constructor(MeshRouter a, MeshRouter b, SettlementVerifier verifier_, uint256[] memory keys) {
        routers = [a, b];
        tokens = [new TestToken(), new TestToken()];
        verifier = verifier_;
        hubDomain = verifier_.DOMAIN_SEPARATOR();
        signerKeys = keys;
        actors = [address(0xA11CE), address(0xB0B), address(0xCA401)];
    }

    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + x % (hi - lo + 1);
    }

    /// @notice The wrapped token of origin `o`'s token on the other chain.
    function wrapped(uint256 o) public view returns (MeshWrappedToken) {
        return MeshWrappedToken(
            routers[1 - o].wrappedToken(routers[o].domain(), MintLegs.acct(address(tokens[o])))
        );
    }

    function wrappedSupply(uint256 o) public view returns (uint256) {
        MeshWrappedToken w = wrapped(o);
        return address(w).code.length == 0 ? 0 : w.totalSupply();
    }

    function _decide(MintLegs.MBundle memory b, uint8 verdict) internal returns (bytes32 root) {
        root = MeshTypes.settlementLeaf(b.id(hubDomain), verdict);
        uint64 index = batchIndex++;
        bytes32 digest = verifier.batchDigest(1, index, root);
        bytes memory sigs;
        for (uint256 i; i < signerKeys.length; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKeys[i], digest);
            sigs = bytes.concat(sigs, abi.encodePacked(r, s, v));
        }
        verifier.submitBatch(1, index, root, sigs);
    }

    /// @notice Locks `amount` of origin `o`'s token and mints it on the other chain; the verdict
    /// and the order the two chains apply it in are random.
    function lockAndMint(uint256 o, uint256 actorSeed, uint256 amount, bool commit, bool mintFirst)
        external
    {
        o %= 2;
        amount = _bound(amount, 1, 1e30);
        address user = actors[actorSeed % 3];
        MintLegs.MBundle memory b = _mintBundle(o, user, amount);
        tokens[o].mint(user, amount);
        vm.prank(user);
        tokens[o].approve(address(routers[o]), amount);
        vm.prank(user);
        b.lock(0, hubDomain);
        uint8 verdict = commit ? MeshTypes.COMMIT : MeshTypes.ABORT;
        bytes32 root = _decide(b, verdict);
        if (mintFirst) {
            routers[1 - o].settleUnlocked(1, verdict, root, new bytes32[](0), b.proofOf(1));
        }
        routers[o].settle(b.id(hubDomain), 0, verdict, root, new bytes32[](0));
        if (!mintFirst) {
            routers[1 - o].settleUnlocked(1, verdict, root, new bytes32[](0), b.proofOf(1));
        }
        if (commit) {
            ghostReserve[o] += amount;
            ghostMinted[o] += amount;
            ++commits;
        }
        // A second settlement of the mint must fail.
        try routers[1 - o].settleUnlocked(1, verdict, root, new bytes32[](0), b.proofOf(1)) {
            ++violations;
        } catch {}
    }

    function _mintBundle(uint256 o, address user, uint256 amount)
        internal
        returns (MintLegs.MBundle memory)
    {
        bytes32 origin = MintLegs.acct(address(tokens[o]));
        uint64 originDomain = routers[o].domain();
        return MintLegs.pair(
            ++nonce,
            MintLegs.leg(routers[o], MeshTypes.KIND_LOCK, 0, origin, user, amount),
            MintLegs.leg(routers[1 - o], MeshTypes.KIND_MINT, originDomain, origin, user, amount)
        );
    }

    /// @notice Burns part of an actor's wrapped tokens of origin `o` and releases it on the
    /// origin chain, release first or last, under a random verdict.
    function burnAndRelease(
        uint256 o,
        uint256 actorSeed,
        uint256 amount,
        bool commit,
        bool releaseFirst
    ) external {
        o %= 2;
        address user = actors[actorSeed % 3];
        if (wrappedSupply(o) == 0) return;
        MeshWrappedToken w = wrapped(o);
        uint256 held = w.balanceOf(user);
        if (held == 0) return;
        amount = _bound(amount, 1, held);
        MintLegs.MBundle memory b = _burnBundle(o, user, amount);
        // (w first: a prank applies to the next external call, wrapped() makes some)
        vm.prank(user);
        w.approve(address(routers[1 - o]), amount);
        vm.prank(user);
        b.lock(0, hubDomain);
        _deliverBurn(o, b, commit ? MeshTypes.COMMIT : MeshTypes.ABORT, releaseFirst);
        if (commit) {
            ghostReserve[o] -= amount;
            ghostBurned[o] += amount;
            ++commits;
        }
    }

    function _burnBundle(uint256 o, address user, uint256 amount)
        internal
        returns (MintLegs.MBundle memory)
    {
        bytes32 origin = MintLegs.acct(address(tokens[o]));
        uint64 originDomain = routers[o].domain();
        return MintLegs.pair(
            ++nonce,
            MintLegs.leg(routers[1 - o], MeshTypes.KIND_BURN, originDomain, origin, user, amount),
            MintLegs.leg(routers[o], MeshTypes.KIND_RELEASE, 0, origin, user, amount)
        );
    }

    function _deliverBurn(uint256 o, MintLegs.MBundle memory b, uint8 verdict, bool releaseFirst)
        internal
    {
        bytes32 root = _decide(b, verdict);
        if (releaseFirst) {
            routers[o].settleUnlocked(1, verdict, root, new bytes32[](0), b.proofOf(1));
        }
        routers[1 - o].settle(b.id(hubDomain), 0, verdict, root, new bytes32[](0));
        if (!releaseFirst) {
            routers[o].settleUnlocked(1, verdict, root, new bytes32[](0), b.proofOf(1));
        }
    }

    /// @notice Attacks: an actor mints the wrapped token directly, and a committed release with
    /// no burn behind it asks for more than the reserve.
    function attack(uint256 o, uint256 actorSeed, uint256 amount) external {
        o %= 2;
        address user = actors[actorSeed % 3];
        if (wrappedSupply(o) != 0) {
            MeshWrappedToken w = wrapped(o);
            vm.prank(user);
            try w.mint(user, 1) {
                ++violations;
            } catch {}
        }
        _forgedRelease(o, user, amount);
    }

    /// @dev A committed release with no burn behind it (the hub would refuse it: a forged
    /// verdict) asking for more than the reserve must not be paid.
    function _forgedRelease(uint256 o, address user, uint256 amount) internal {
        uint256 reserve = routers[o].reserveOf(address(tokens[o]));
        amount = _bound(amount, reserve + 1, reserve + 1e30);
        bytes32 origin = MintLegs.acct(address(tokens[o]));
        MintLegs.MBundle memory b = MintLegs.pair(
            ++nonce,
            MintLegs.leg(routers[o], MeshTypes.KIND_RELEASE, 0, origin, user, amount),
            MintLegs.leg(routers[o], MeshTypes.KIND_RELEASE, 0, origin, user, amount)
        );
        bytes32 root = _decide(b, MeshTypes.COMMIT);
        try routers[o].settleUnlocked(0, MeshTypes.COMMIT, root, new bytes32[](0), b.proofOf(0)) {
            ++violations;
        } catch {}
    }
}

/// @notice Supply conservation of lock-and-mint over two Routers.
contract MintInvariantsTest is MeshFixture {
    MintHandler internal handler;
    MeshRouter internal remote;

    function setUp() public {
        _setUpMesh(3, 2);
        remote = new MeshRouter(verifier, 8, GRACE);
        handler = new MintHandler(router, remote, verifier, signerKeys);
        targetContract(address(handler));
    }

    /// @dev For each origin token: the wrapped supply on the other chain equals the origin
    /// Router's reserve, which equals the ghost (locked − released) and the Router's balance
    /// (every bundle ended: no escrow is open between calls).
    function invariant_WrappedSupplyEqualsReserve() public view {
        for (uint256 o; o < 2; ++o) {
            MeshRouter r = handler.routers(o);
            address tok = address(handler.tokens(o));
            uint256 reserve = r.reserveOf(tok);
            assertEq(handler.wrappedSupply(o), reserve, "wrapped supply = reserve");
            assertEq(reserve, handler.ghostReserve(o), "reserve = locked - released");
            assertEq(TestToken(tok).balanceOf(address(r)), reserve, "balance = reserve");
            assertEq(handler.ghostMinted(o) - handler.ghostBurned(o), reserve, "minted - burned");
        }
    }

    /// @dev No mint settled twice, no mint by anyone but the Router, no release beyond the
    /// reserve.
    function invariant_NoUnbackedMintOrRelease() public view {
        assertEq(handler.violations(), 0, "violations");
    }
}
