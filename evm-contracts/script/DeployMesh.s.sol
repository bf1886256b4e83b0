// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MeshRouter} from "../src/MeshRouter.sol";
import {SettlementVerifier} from "../src/SettlementVerifier.sol";
import {VM, Vm} from "../test/utils/Vm.sol";
import {console} from "../test/utils/console.sol";

/// @notice Deploys the protocol contracts of one chain: a SettlementVerifier with the hub's
/// genesis signer set, and a MeshRouter trusting it.
///
///   MESH_HUB_CHAIN_ID        hub chain id (default "mesh-devnet-1")
///   MESH_DEPLOYMENT          REQUIRED: bech32 address of the hub's bundle-log contract; with the
///                            hub chain id it forms the EIP-712 domain salt
///                            keccak256(abi.encode(keccak256(chainId), keccak256(deployment)))
///   MESH_GENESIS_EPOCH       epoch of the genesis set (default 1)
///   MESH_GENESIS_SIGNERS     comma-separated EVM addresses (default: the deployer), any order
///   MESH_GENESIS_WEIGHTS     comma-separated weights, same order (default: 1 each)
///   MESH_GENESIS_THRESHOLD   threshold (default: floor(2/3 · total) + 1, at most the total)
///   MESH_GENESIS_EXPIRES_AT  the genesis set's signed expiry, unix seconds, as the hub's
///                            stake-escrow made it (default: now + 30 days, the hub's default
///                            set lifetime); must be in the future
///   MESH_MIN_ROTATION_DELAY  seconds between rotations (default 3600)
///   MESH_DOMAIN              REQUIRED: the domain id the hub's chain registry assigned to this
///                            chain (> 0); the router escrows only legs naming it
///   MESH_REFUND_GRACE        the router's refund grace: seconds after a leg's settle deadline
///                            during which a COMMIT still pays and refunds stay closed; > 0
///                            (default 3600)
///   MESH_DEPLOY_OUT          JSON file to write, under deployments/ (default
///                            deployments/mesh-<chainid>.json)
///
/// Recovery after the current signer set expired without a rotation: run this script again with
/// a fresh genesis set (new verifier + router), then re-point the hub's chain registry at the new
/// router; legs of the old router refund through `refundExpired`.
///
///   forge script script/DeployMesh.s.sol --broadcast --rpc-url $RPC --private-key $KEY
contract DeployMesh {
    Vm internal constant vm = VM;

    struct Config {
        string hub;
        string deployment;
        uint64 epoch;
        address[] signers;
        uint256[] weights;
        uint256 threshold;
        uint64 expiresAt;
        uint64 delay;
        uint64 grace;
        uint64 domain;
    }

    function run() external returns (SettlementVerifier verifier, MeshRouter router) {
        vm.startBroadcast();
        (, address deployer,) = vm.readCallers();
        Config memory c = _config(deployer);
        verifier = new SettlementVerifier(
            c.hub, c.deployment, c.epoch, c.signers, c.weights, c.threshold, c.expiresAt, c.delay
        );
        router = new MeshRouter(verifier, c.domain, c.grace);
        vm.stopBroadcast();

        console.log("chain id", block.chainid);
        console.log("domain", c.domain);
        console.log("SettlementVerifier", address(verifier));
        console.log("MeshRouter", address(router));
        console.log("hub domain", vm.toString(verifier.DOMAIN_SEPARATOR()));
        _write(c, verifier, router);
    }

    function _config(address deployer) internal view returns (Config memory c) {
        c.hub = vm.envOr("MESH_HUB_CHAIN_ID", string("mesh-devnet-1"));
        // No default: a wrong deployment would make the verifier refuse every signature.
        c.deployment = vm.envString("MESH_DEPLOYMENT");
        c.epoch = uint64(vm.envOr("MESH_GENESIS_EPOCH", uint256(1)));
        address[] memory self = new address[](1);
        self[0] = deployer;
        c.signers = vm.envOr("MESH_GENESIS_SIGNERS", ",", self);
        uint256[] memory ones = new uint256[](c.signers.length);
        for (uint256 i; i < ones.length; ++i) {
            ones[i] = 1;
        }
        c.weights = vm.envOr("MESH_GENESIS_WEIGHTS", ",", ones);
        require(c.weights.length == c.signers.length, "MESH_GENESIS_WEIGHTS: one per signer");
        _sort(c.signers, c.weights);
        uint256 total;
        for (uint256 i; i < c.weights.length; ++i) {
            total += c.weights[i];
        }
        uint256 twoThirds = total * 2 / 3 + 1;
        c.threshold = vm.envOr("MESH_GENESIS_THRESHOLD", twoThirds > total ? total : twoThirds);
        c.delay = uint64(vm.envOr("MESH_MIN_ROTATION_DELAY", uint256(3600)));
        uint256 expiresAt = vm.envOr("MESH_GENESIS_EXPIRES_AT", block.timestamp + 30 days);
        require(expiresAt <= type(uint64).max, "MESH_GENESIS_EXPIRES_AT: above uint64");
        require(expiresAt > block.timestamp, "MESH_GENESIS_EXPIRES_AT: not in the future");
        c.expiresAt = uint64(expiresAt);
        uint256 grace = vm.envOr("MESH_REFUND_GRACE", uint256(3600));
        require(grace != 0 && grace <= type(uint64).max, "MESH_REFUND_GRACE: 1 to 2^64 - 1");
        c.grace = uint64(grace);
        // No default: the hub assigns domain ids, and a wrong one makes every lock revert.
        uint256 domain = vm.envUint("MESH_DOMAIN");
        require(domain != 0 && domain <= type(uint64).max, "MESH_DOMAIN: 1 to 2^64 - 1");
        c.domain = uint64(domain);
    }

    /// @dev Sorts signers ascending, carrying their weights along (insertion sort, ≤ 64).
    function _sort(address[] memory s, uint256[] memory w) internal pure {
        for (uint256 i = 1; i < s.length; ++i) {
            (address a, uint256 x) = (s[i], w[i]);
            uint256 j = i;
            while (j > 0 && s[j - 1] > a) {
                (s[j], w[j]) = (s[j - 1], w[j - 1]);
                --j;
            }
            (s[j], w[j]) = (a, x);
        }
    }

    function _write(Config memory c, SettlementVerifier verifier, MeshRouter router) internal {
        string memory out = vm.envOr(
            "MESH_DEPLOY_OUT",
            string.concat("deployments/mesh-", vm.toString(block.chainid), ".json")
        );
        vm.createDir("deployments", true);
        string memory key = "mesh";
        vm.serializeUint(key, "chainId", block.chainid);
        vm.serializeUint(key, "domain", c.domain);
        vm.serializeUint(key, "genesisEpoch", c.epoch);
        vm.serializeUint(key, "threshold", c.threshold);
        vm.serializeUint(key, "genesisExpiresAt", c.expiresAt);
        vm.serializeUint(key, "refundGrace", c.grace);
        vm.serializeString(key, "deployment", c.deployment);
        vm.serializeBytes32(key, "hubDomain", verifier.DOMAIN_SEPARATOR());
        vm.serializeBytes32(key, "hubSalt", verifier.HUB_SALT());
        vm.serializeAddress(key, "settlementVerifier", address(verifier));
        string memory json = vm.serializeAddress(key, "meshRouter", address(router));
        vm.writeJson(json, out);
        console.log("wrote", out);
    }
}
