// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "solady/utils/ReentrancyGuardTransient.sol";
import {SafeTransferLib} from "solady/utils/SafeTransferLib.sol";

import {MeshRouter} from "../src/MeshRouter.sol";
import {Leg, MeshTypes} from "../src/MeshTypes.sol";
import {SettlementVerifier} from "../src/SettlementVerifier.sol";
import {IMeshRouter} from "../src/interfaces/IMeshRouter.sol";
import {ISettlementVerifier} from "../src/interfaces/ISettlementVerifier.sol";
import {SignerSetLib} from "../src/lib/SignerSetLib.sol";
import {
    FalseReturnToken,
    FeeOnTransferToken,
    MissingReturnToken,
    ReentrantToken
} from "./mocks/BadTokens.sol";
import {Merkle} from "./utils/Merkle.sol";
import {Bundle, MeshFixture} from "./utils/MeshFixture.sol";

/// @notice One test (or more) per entry of the incident list: forged, duplicated, out-of-set and
/// high-s signatures, zero root, token without code, fee-on-transfer, missing-return and
/// reentrant tokens, cross-router and cross-chain replay, squatting and equivocation.
contract IncidentsTest is MeshFixture {
    uint256 internal constant AMOUNT = 50e18;
    bytes32 internal constant ROOT = keccak256("incident root");

    function setUp() public {
        _setUpMesh(4, 3);
    }

    function _sigs(uint256 k, bytes32 root) internal view returns (bytes memory) {
        return _sign(_take(signerKeys, k), verifier.batchDigest(GENESIS_EPOCH, 0, root));
    }

    function _withToken(address tok, uint64 nonce) internal view returns (Bundle memory x) {
        x = _oneLeg(nonce, AMOUNT);
        x.legs[0].token = _acct(tok);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                        SIGNATURES                          */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_Incident_ForgedSignatures() public {
        // Keys that are not the signers', signing the right statement.
        (uint256[] memory fakeKeys, address[] memory fakeAddrs) = _makeSigners("forger", 3);
        bytes32 digest = verifier.batchDigest(GENESIS_EPOCH, 0, ROOT);
        bytes memory sigs = _sign(fakeKeys, digest);
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.NotASigner.selector, 0, fakeAddrs[0]));
        verifier.submitBatch(GENESIS_EPOCH, 0, ROOT, sigs);
        // Random bytes shaped like signatures.
        bytes memory junk = abi.encodePacked(
            keccak256("r1"),
            bytes32(uint256(1)),
            uint8(27),
            keccak256("r2"),
            bytes32(uint256(2)),
            uint8(28)
        );
        vm.expectRevert(_foreignSigError(digest, junk));
        verifier.submitBatch(GENESIS_EPOCH, 0, ROOT, junk);
        assertFalse(verifier.isVerifiedRoot(ROOT), "never verified");
    }

    function test_Incident_DuplicatedSignatures() public {
        // One signer's signature three times to fake a threshold of 3.
        bytes memory one = _sigs(1, ROOT);
        bytes memory tripled = bytes.concat(one, one, one);
        vm.expectRevert(
            abi.encodeWithSelector(
                SignerSetLib.SignersNotAscending.selector, 1, signerAddrs[0], signerAddrs[0]
            )
        );
        verifier.submitBatch(GENESIS_EPOCH, 0, ROOT, tripled);
    }

    function test_Incident_OutOfSetSigners() public {
        (uint256[] memory outKeys, address[] memory outAddrs) = _makeSigners("outsiders", 3);
        bytes memory sigs = _sign(outKeys, verifier.batchDigest(GENESIS_EPOCH, 0, ROOT));
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.NotASigner.selector, 0, outAddrs[0]));
        verifier.submitBatch(GENESIS_EPOCH, 0, ROOT, sigs);
    }

    function test_Incident_HighSSignature() public {
        bytes memory sigs = _sigs(3, ROOT);
        uint256 s;
        assembly {
            s := mload(add(sigs, 0x40))
        }
        bytes memory hs = abi.encodePacked(SECP_N - s);
        for (uint256 i; i < 32; ++i) {
            sigs[32 + i] = hs[i];
        }
        sigs[64] = sigs[64] == bytes1(uint8(27)) ? bytes1(uint8(28)) : bytes1(uint8(27));
        vm.expectRevert(abi.encodeWithSelector(SignerSetLib.HighS.selector, 0));
        verifier.submitBatch(GENESIS_EPOCH, 0, ROOT, sigs);
    }

    function test_Incident_ZeroRoot() public {
        bytes memory sigs = _sigs(3, bytes32(0));
        vm.expectRevert(ISettlementVerifier.ZeroRoot.selector);
        verifier.submitBatch(GENESIS_EPOCH, 0, bytes32(0), sigs);
        IMeshRouter.SettleItem[] memory items = new IMeshRouter.SettleItem[](1);
        vm.expectRevert(IMeshRouter.ZeroRoot.selector);
        router.settleBatch(GENESIS_EPOCH, 0, bytes32(0), sigs, items);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.RootNotVerified.selector, bytes32(0)));
        router.settleMany(bytes32(0), items);
    }

    function test_Incident_SignaturesFromAnotherHub() public {
        SettlementVerifier other = new SettlementVerifier(
            "other-hub",
            DEPLOYMENT,
            GENESIS_EPOCH,
            signerAddrs,
            signerWeights,
            3,
            GENESIS_EXPIRES_AT,
            0
        );
        bytes memory sigs = _sign(_take(signerKeys, 3), other.batchDigest(GENESIS_EPOCH, 0, ROOT));
        vm.expectRevert(_foreignSigError(verifier.batchDigest(GENESIS_EPOCH, 0, ROOT), sigs));
        verifier.submitBatch(GENESIS_EPOCH, 0, ROOT, sigs);
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          TOKENS                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_Incident_TokenWithoutCode() public {
        Bundle memory x = _withToken(makeAddr("eoa token"), 1);
        bytes32 bid = _id(x);
        bytes32[] memory hashes = _legHashes(x);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.TokenHasNoCode.selector, x.legs[0].token)
        );
        router.lock(bid, 0, x.legs[0], x.lockDeadline, x.settleDeadline, x.creatorHash, 1, hashes);
    }

    function test_Incident_FeeOnTransferTokenRefused() public {
        FeeOnTransferToken fot = new FeeOnTransferToken(); // 1 % fee
        Bundle memory x = _withToken(address(fot), 1);
        fot.mint(alice, AMOUNT);
        vm.prank(alice);
        fot.approve(address(router), AMOUNT);
        bytes32 bid = _id(x);
        bytes32[] memory hashes = _legHashes(x);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.InsufficientReceived.selector, AMOUNT, AMOUNT - AMOUNT / 100
            )
        );
        router.lock(bid, 0, x.legs[0], x.lockDeadline, x.settleDeadline, x.creatorHash, 1, hashes);
        // With the fee switched off the same token locks, credited by the measured balance.
        fot.setFeeBps(0);
        assertEq(_lock(x, 0), AMOUNT, "measured credit");
    }

    function test_Incident_MissingReturnToken() public {
        MissingReturnToken usdt = new MissingReturnToken();
        Bundle memory x = _withToken(address(usdt), 1);
        usdt.mint(alice, AMOUNT);
        vm.prank(alice);
        usdt.approve(address(router), AMOUNT);
        _lock(x, 0);
        bytes32 bid = _id(x);
        bytes32 root = _verdictRoot(bid, MeshTypes.COMMIT);
        router.settle(bid, 0, MeshTypes.COMMIT, root, new bytes32[](0));
        assertEq(usdt.balanceOf(bob), AMOUNT, "paid through missing-return transfer");
        // A refund path as well.
        Bundle memory y = _withToken(address(usdt), 2);
        usdt.mint(alice, AMOUNT);
        vm.prank(alice);
        usdt.approve(address(router), AMOUNT);
        _lock(y, 0);
        vm.warp(y.settleDeadline + GRACE);
        router.refundExpired(_id(y), 0);
        assertEq(usdt.balanceOf(alice), AMOUNT, "refunded through missing-return transfer");
    }

    function test_Incident_FalseReturnTokenRefused() public {
        FalseReturnToken frt = new FalseReturnToken();
        Bundle memory x = _withToken(address(frt), 1);
        // No balance: transferFrom returns false instead of reverting.
        vm.prank(alice);
        frt.approve(address(router), AMOUNT);
        bytes32 bid = _id(x);
        bytes32[] memory hashes = _legHashes(x);
        vm.prank(alice);
        vm.expectRevert(SafeTransferLib.TransferFromFailed.selector);
        router.lock(bid, 0, x.legs[0], x.lockDeadline, x.settleDeadline, x.creatorHash, 1, hashes);
        // Locked fine, then the token breaks: settle reverts, settleMany skips, funds stay.
        frt.mint(alice, AMOUNT);
        _lock(x, 0);
        frt.setBroken(true);
        bytes32 root = _verdictRoot(bid, MeshTypes.COMMIT);
        vm.expectRevert(SafeTransferLib.TransferFailed.selector);
        router.settle(bid, 0, MeshTypes.COMMIT, root, new bytes32[](0));
        IMeshRouter.SettleItem[] memory items = new IMeshRouter.SettleItem[](1);
        items[0] = IMeshRouter.SettleItem(bid, 0, MeshTypes.COMMIT, new bytes32[](0));
        assertEq(router.settleMany(root, items), 0, "skipped");
        assertEq(frt.balanceOf(address(router)), AMOUNT, "escrow intact");
        assertEq(uint8(router.legStatus(bid, 0)), 1, "still locked");
    }

    function _reentrantSetup(uint64 nonce) internal returns (ReentrantToken rt, Bundle memory x) {
        rt = new ReentrantToken();
        x = _withToken(address(rt), nonce);
        rt.mint(alice, 10 * AMOUNT);
        vm.prank(alice);
        rt.approve(address(router), type(uint256).max);
    }

    function test_Incident_ReentrantTokenDuringLock() public {
        (ReentrantToken rt, Bundle memory x) = _reentrantSetup(1);
        // During the pull, the token tries to lock a second leg (which would inflate the
        // measured balance of the first).
        Bundle memory y = _withToken(address(rt), 2);
        bytes memory inner = abi.encodeCall(
            router.lock,
            (
                _id(y),
                0,
                y.legs[0],
                y.lockDeadline,
                y.settleDeadline,
                y.creatorHash,
                y.nonce,
                _legHashes(y)
            )
        );
        rt.arm(address(router), inner);
        assertEq(_lock(x, 0), AMOUNT, "outer lock credited exactly its own pull");
        assertFalse(rt.lastCallSucceeded(), "reentrant lock refused");
        assertEq(
            rt.lastReturnData(),
            abi.encodeWithSelector(ReentrancyGuardTransient.Reentrancy.selector)
        );
        assertEq(uint8(router.legStatus(_id(y), 0)), 0, "inner leg not locked");
        assertEq(rt.balanceOf(address(router)), AMOUNT, "one pull");
    }

    function test_Incident_ReentrantTokenDuringSettle() public {
        (ReentrantToken rt, Bundle memory x) = _reentrantSetup(1);
        _lock(x, 0);
        bytes32 bid = _id(x);
        bytes32 leaf = MeshTypes.settlementLeaf(bid, MeshTypes.ABORT);
        _submitRoot(leaf, 0);
        // While refunding, the token tries to settle the same leg again (double refund).
        rt.arm(
            address(router),
            abi.encodeCall(router.settle, (bid, 0, MeshTypes.ABORT, leaf, new bytes32[](0)))
        );
        router.settle(bid, 0, MeshTypes.ABORT, leaf, new bytes32[](0));
        assertFalse(rt.lastCallSucceeded(), "reentrant settle refused");
        assertEq(rt.balanceOf(alice), 10 * AMOUNT, "refunded exactly once");
        assertEq(rt.balanceOf(address(router)), 0, "nothing left, nothing extra");
    }

    function test_Incident_ReentrantTokenDuringRefund() public {
        (ReentrantToken rt, Bundle memory x) = _reentrantSetup(1);
        _lock(x, 0);
        bytes32 bid = _id(x);
        vm.warp(x.settleDeadline + GRACE);
        rt.arm(address(router), abi.encodeCall(router.refundExpired, (bid, 0)));
        router.refundExpired(bid, 0);
        assertFalse(rt.lastCallSucceeded(), "reentrant refund refused");
        assertEq(rt.balanceOf(alice), 10 * AMOUNT, "refunded exactly once");
    }

    function test_Incident_ReentrantTokenDuringSettleMany() public {
        (ReentrantToken rt, Bundle memory x) = _reentrantSetup(1);
        _lock(x, 0);
        bytes32 bid = _id(x);
        bytes32 leaf = MeshTypes.settlementLeaf(bid, MeshTypes.COMMIT);
        _submitRoot(leaf, 0);
        IMeshRouter.SettleItem[] memory items = new IMeshRouter.SettleItem[](1);
        items[0] = IMeshRouter.SettleItem(bid, 0, MeshTypes.COMMIT, new bytes32[](0));
        rt.arm(address(router), abi.encodeCall(router.settleMany, (leaf, items)));
        assertEq(router.settleMany(leaf, items), 1, "settled once");
        assertFalse(rt.lastCallSucceeded(), "reentrant settleMany refused");
        assertEq(rt.balanceOf(bob), AMOUNT, "paid exactly once");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                          REPLAY                            */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    function test_Incident_CrossRouterReplay() public {
        MeshRouter other = new MeshRouter(verifier, DOMAIN, GRACE);
        Bundle memory x = _oneLeg(1, AMOUNT);
        token.mint(alice, AMOUNT);
        vm.startPrank(alice);
        token.approve(address(router), AMOUNT);
        token.approve(address(other), AMOUNT);
        vm.stopPrank();
        bytes32 bid = _id(x);
        bytes32[] memory hashes = _legHashes(x);
        _lock(x, 0);
        // The same lock call replayed on another router is refused: the leg names its router.
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.WrongRouter.selector, address(router), address(other)
            )
        );
        other.lock(bid, 0, x.legs[0], x.lockDeadline, x.settleDeadline, x.creatorHash, 1, hashes);
        // The verdict is valid everywhere, but `other` escrows nothing for this bundle.
        bytes32 root = _verdictRoot(bid, MeshTypes.COMMIT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.LegNotLocked.selector, bid, 0, IMeshRouter.LegStatus.None
            )
        );
        other.settle(bid, 0, MeshTypes.COMMIT, root, new bytes32[](0));
        router.settle(bid, 0, MeshTypes.COMMIT, root, new bytes32[](0));
        assertEq(token.balanceOf(bob), AMOUNT, "paid once, on its own router");
    }

    function test_Incident_CrossChainReplay() public {
        Bundle memory x = _oneLeg(1, AMOUNT);
        // The bundle's leg is meant for domain 10 (another chain of the registry); replaying it
        // here is refused: the leg hash binds the domain and the router checks it.
        x.legs[0].domain = 10;
        bytes32 bid = _id(x);
        bytes32[] memory hashes = _legHashes(x);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IMeshRouter.WrongDomain.selector, DOMAIN, 10));
        router.lock(bid, 0, x.legs[0], x.lockDeadline, x.settleDeadline, x.creatorHash, 1, hashes);
        // The same router address on another domain (a second deployment at the same address on
        // another chain) refuses legs of this one.
        MeshRouter elsewhere = new MeshRouter(verifier, DOMAIN + 1, GRACE);
        Bundle memory y = _oneLeg(2, AMOUNT);
        y.legs[0].router = _acct(address(elsewhere));
        bytes32 yid = _id(y);
        bytes32[] memory yh = _legHashes(y);
        y.legs[0].domain = DOMAIN;
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.WrongDomain.selector, DOMAIN + 1, DOMAIN)
        );
        elsewhere.lock(yid, 0, y.legs[0], y.lockDeadline, y.settleDeadline, y.creatorHash, 2, yh);
    }

    /// @dev One signed root serves every chain (no chainId in the domain): each chain's router
    /// applies it only to the legs it escrows itself.
    function test_Incident_SameRootOnTwoChainsSettlesOnlyLocalLegs() public {
        SettlementVerifier verifierB = _newVerifier(signerAddrs, signerWeights, signerThreshold);
        MeshRouter routerB = new MeshRouter(verifierB, DOMAIN + 1, GRACE);
        Bundle memory x = _oneLeg(1, AMOUNT);
        Leg[] memory legs = new Leg[](2);
        legs[0] = x.legs[0];
        legs[1] = _leg(carol, address(token), AMOUNT, alice);
        legs[1].domain = DOMAIN + 1;
        legs[1].router = _acct(address(routerB));
        x.legs = legs;
        token.mint(alice, AMOUNT);
        token.mint(carol, AMOUNT);
        vm.prank(alice);
        token.approve(address(router), AMOUNT);
        vm.prank(carol);
        token.approve(address(routerB), AMOUNT);
        _lock(x, 0);
        _lock(x, 1);
        bytes32 bid = _id(x);
        bytes32 root = MeshTypes.settlementLeaf(bid, MeshTypes.COMMIT);
        bytes memory sigs = _sign(signerKeys, verifier.batchDigest(GENESIS_EPOCH, 0, root));
        verifier.submitBatch(GENESIS_EPOCH, 0, root, sigs);
        verifierB.submitBatch(GENESIS_EPOCH, 0, root, sigs);
        router.settle(bid, 0, MeshTypes.COMMIT, root, new bytes32[](0));
        routerB.settle(bid, 1, MeshTypes.COMMIT, root, new bytes32[](0));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.LegNotLocked.selector, bid, 1, IMeshRouter.LegStatus.None
            )
        );
        router.settle(bid, 1, MeshTypes.COMMIT, root, new bytes32[](0));
        assertEq(token.balanceOf(bob), AMOUNT, "leg 0 paid");
        assertEq(token.balanceOf(alice), AMOUNT, "leg 1 paid");
    }

    /// @dev Nobody can squat another bundle's (bundleId, index) with a bogus leg.
    function test_Incident_LegSquatting() public {
        Bundle memory victim = _oneLeg(1, AMOUNT);
        bytes32 victimId = _id(victim);
        // The attacker names the victim's id and index with its own leg and a fake leg list.
        Leg memory bogus = _leg(carol, address(token), 1, carol);
        bytes32[] memory fake = new bytes32[](1);
        fake[0] = MeshTypes.legHash(bogus);
        token.mint(carol, 1);
        vm.startPrank(carol);
        token.approve(address(router), 1);
        bytes32 forgedId = MeshTypes.bundleIdFromLegHashes(
            router.hubDomain(),
            victim.creatorHash,
            victim.nonce,
            victim.lockDeadline,
            victim.settleDeadline,
            fake
        );
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.BundleIdMismatch.selector, victimId, forgedId)
        );
        router.lock(
            victimId,
            0,
            bogus,
            victim.lockDeadline,
            victim.settleDeadline,
            victim.creatorHash,
            victim.nonce,
            fake
        );
        // With the victim's real leg list, the bogus leg is not in it.
        bytes32[] memory real = _legHashes(victim);
        vm.expectRevert(
            abi.encodeWithSelector(IMeshRouter.LegNotInBundle.selector, 0, fake[0], real[0])
        );
        router.lock(
            victimId,
            0,
            bogus,
            victim.lockDeadline,
            victim.settleDeadline,
            victim.creatorHash,
            victim.nonce,
            real
        );
        vm.stopPrank();
        token.mint(alice, AMOUNT);
        vm.prank(alice);
        token.approve(address(router), AMOUNT);
        _lock(victim, 0);
        assertEq(router.escrow(victimId, 0).depositor, alice, "victim locked its own leg");
    }

    /// @dev If the hub ever signed both verdicts for a bundle (equivocation, slashable on the
    /// hub), each leg still ends exactly once: the first verdict applied wins.
    function test_Incident_ConflictingVerdictsEndLegOnce() public {
        Bundle memory x = _oneLeg(1, AMOUNT);
        token.mint(alice, AMOUNT);
        vm.prank(alice);
        token.approve(address(router), AMOUNT);
        _lock(x, 0);
        bytes32 bid = _id(x);
        bytes32 commitRoot = MeshTypes.settlementLeaf(bid, MeshTypes.COMMIT);
        bytes32 abortRoot = MeshTypes.settlementLeaf(bid, MeshTypes.ABORT);
        _submitRoot(commitRoot, 0);
        _submitRoot(abortRoot, 1);
        router.settle(bid, 0, MeshTypes.ABORT, abortRoot, new bytes32[](0));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.LegNotLocked.selector, bid, 0, IMeshRouter.LegStatus.Aborted
            )
        );
        router.settle(bid, 0, MeshTypes.COMMIT, commitRoot, new bytes32[](0));
        assertEq(token.balanceOf(alice), AMOUNT, "refunded");
        assertEq(token.balanceOf(bob), 0, "not also paid");
    }

    /*´:°•.°+.*•´.*:˚.°*.˚•´.°:°•.°•.*•´.*:˚.°*.˚•´.°:°•.°+.*•´.*:*/
    /*                 EXPIRED SIGNER SET: RECOVERY               */
    /*.•°:°.´+˚.*°.˚:*.´•*.+°.•°:´*.´•*.•°.•°:°.´:•˚°.*°.˚:*.´+°.•*/

    /// @dev The current set expires without a rotation (relayers offline, or more than a third
    /// of the weight refusing to sign). The verifier then accepts no signature at all (batches,
    /// in-place checks, rotations), yet no funds are stuck: every leg refunds after its deadline
    /// plus the grace, a root verified before the expiry still settles, and the operator's
    /// recovery (a new verifier + router with a fresh genesis set) serves new bundles.
    function test_ExpiredSetCannotSignAndLegsStillRefund() public {
        // Two bundles whose deadlines run past the set's expiry, and one settled in time.
        Bundle memory x = _oneLeg(1, AMOUNT);
        Bundle memory y = _oneLeg(2, AMOUNT);
        y.legs[0] = _leg(carol, address(token), AMOUNT, bob);
        Bundle memory z = _oneLeg(3, AMOUNT);
        x.settleDeadline = GENESIS_EXPIRES_AT + 1 days;
        y.settleDeadline = GENESIS_EXPIRES_AT + 2 days;
        z.settleDeadline = GENESIS_EXPIRES_AT + 1 days;
        _fundAndLock(x, 0);
        _fundAndLock(y, 0);
        _fundAndLock(z, 0);
        bytes32 zRoot = MeshTypes.settlementLeaf(_id(z), MeshTypes.COMMIT);
        _submitRoot(zRoot, 0);

        _expiredSetRefusesEverything(_id(x), _id(y));

        // The root verified before the expiry still settles its leg.
        router.settle(_id(z), 0, MeshTypes.COMMIT, zRoot, new bytes32[](0));
        assertEq(token.balanceOf(bob), AMOUNT, "z paid from a root verified in time");

        // No funds stuck: x and y refund without any signature once their refunds open.
        bytes32 xId = _id(x);
        vm.warp(uint256(x.settleDeadline) + GRACE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMeshRouter.NotExpired.selector, uint256(x.settleDeadline) + GRACE, block.timestamp
            )
        );
        router.refundExpired(xId, 0);
        vm.warp(uint256(y.settleDeadline) + GRACE);
        router.refundExpired(_id(x), 0);
        router.refundExpired(_id(y), 0);
        assertEq(token.balanceOf(alice), AMOUNT, "x refunded");
        assertEq(token.balanceOf(carol), AMOUNT, "y refunded");
        assertEq(token.balanceOf(address(router)), 0, "nothing left in the old router");

        _recoverWithANewPair();
        assertEq(token.balanceOf(bob), 2 * AMOUNT, "the new pair settles new bundles");
    }

    /// @dev The hub decided COMMIT for `xId` and ABORT for `yId`, but nobody delivered before the
    /// genesis set expired: now it signs nothing any more.
    function _expiredSetRefusesEverything(bytes32 xId, bytes32 yId) internal {
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = MeshTypes.settlementLeaf(xId, MeshTypes.COMMIT);
        leaves[1] = MeshTypes.settlementLeaf(yId, MeshTypes.ABORT);
        bytes32 root = Merkle.root(leaves);
        bytes memory sigs = _sign(signerKeys, verifier.batchDigest(GENESIS_EPOCH, 1, root));
        vm.warp(GENESIS_EXPIRES_AT);
        bytes memory expired = abi.encodeWithSelector(
            ISettlementVerifier.SignerSetExpired.selector, GENESIS_EPOCH, GENESIS_EXPIRES_AT
        );
        vm.expectRevert(expired);
        verifier.submitBatch(GENESIS_EPOCH, 1, root, sigs);
        IMeshRouter.SettleItem[] memory items = new IMeshRouter.SettleItem[](1);
        items[0] = IMeshRouter.SettleItem(xId, 0, MeshTypes.COMMIT, Merkle.proof(leaves, 0));
        vm.expectRevert(expired);
        router.settleBatch(GENESIS_EPOCH, 1, root, sigs, items);
        // Nor can the expired set rotate to anyone.
        (, address[] memory freshAddrs) = _makeSigners("fresh", 3);
        uint256[] memory ones = _ones3();
        uint64 freshExpiry = GENESIS_EXPIRES_AT + 30 days;
        bytes memory rot = _sign(
            signerKeys,
            verifier.signerSetUpdateDigest(
                2, MeshTypes.signerSetHash(freshAddrs, ones, 2, freshExpiry)
            )
        );
        vm.expectRevert(expired);
        verifier.rotate(freshAddrs, ones, 2, freshExpiry, rot);
        assertEq(verifier.currentEpoch(), GENESIS_EPOCH, "not rotated");
    }

    function _ones3() internal pure returns (uint256[] memory ones) {
        ones = new uint256[](3);
        (ones[0], ones[1], ones[2]) = (1, 1, 1);
    }

    /// @dev The operator's recovery: a new verifier (fresh genesis set from the hub) and a new
    /// router; the hub's chain registry is re-pointed at the new router, new bundles settle there.
    function _recoverWithANewPair() internal {
        (uint256[] memory freshKeys, address[] memory freshAddrs) = _makeSigners("fresh", 3);
        verifier = new SettlementVerifier(
            HUB,
            DEPLOYMENT,
            GENESIS_EPOCH,
            freshAddrs,
            _ones3(),
            2,
            uint64(block.timestamp + 30 days),
            ROTATION_DELAY
        );
        router = new MeshRouter(verifier, DOMAIN, GRACE);
        Bundle memory n = _oneLeg(4, AMOUNT);
        _fundAndLock(n, 0);
        bytes32 nRoot = MeshTypes.settlementLeaf(_id(n), MeshTypes.COMMIT);
        verifier.submitBatch(
            GENESIS_EPOCH, 0, nRoot, _sign(freshKeys, verifier.batchDigest(GENESIS_EPOCH, 0, nRoot))
        );
        router.settle(_id(n), 0, MeshTypes.COMMIT, nRoot, new bytes32[](0));
    }
}
