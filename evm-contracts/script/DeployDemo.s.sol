// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ConstantProductPool} from "../src/demo/ConstantProductPool.sol";
import {DemoWETH} from "../src/demo/DemoWETH.sol";
import {LendingPool} from "../src/demo/LendingPool.sol";
import {MintableERC20} from "../src/demo/MintableERC20.sol";
import {VM, Vm} from "../test/utils/Vm.sol";
import {console} from "../test/utils/console.sol";

/// @notice Deploys the demo contracts of one chain: WETH (wraps ETH), a mintable 6-decimal USDC,
/// a WETH/USDC constant-product pool seeded with liquidity, and a lending pool holding WETH.
///
///   MESH_DEMO_OWNER          owner of the USDC minter and the lending pool (default: deployer)
///   MESH_DEMO_POOL_WETH      WETH liquidity of the pool, in wei (default 100e18)
///   MESH_DEMO_USDC_PER_WETH  pool price in whole USDC per WETH (default 3000)
///   MESH_DEMO_LENDER_WETH    WETH liquidity of the lending pool, in wei (default 500e18)
///   MESH_DEMO_FLASH_FEE_BPS  lending fee in basis points (default 9)
///   MESH_DEMO_OUT            JSON file to write, under deployments/ (default
///                            deployments/demo-<chainid>.json)
///
/// The deployer wraps (pool + lender) WETH from its own ETH (anvil accounts hold plenty).
///
///   forge script script/DeployDemo.s.sol --broadcast --rpc-url $RPC --private-key $KEY
contract DeployDemo {
    Vm internal constant vm = VM;

    struct Deployed {
        DemoWETH weth;
        MintableERC20 usdc;
        ConstantProductPool pool;
        LendingPool lender;
    }

    function run() external returns (Deployed memory d) {
        vm.startBroadcast();
        (, address deployer,) = vm.readCallers();
        address owner = vm.envOr("MESH_DEMO_OWNER", deployer);
        uint256 poolWeth = vm.envOr("MESH_DEMO_POOL_WETH", uint256(100e18));
        uint256 price = vm.envOr("MESH_DEMO_USDC_PER_WETH", uint256(3000));
        uint256 lenderWeth = vm.envOr("MESH_DEMO_LENDER_WETH", uint256(500e18));
        uint256 feeBps = vm.envOr("MESH_DEMO_FLASH_FEE_BPS", uint256(9));

        d.weth = new DemoWETH();
        d.usdc = new MintableERC20("USD Coin (demo)", "USDC", 6, deployer);
        d.pool = new ConstantProductPool(address(d.weth), address(d.usdc));
        d.lender = new LendingPool(deployer, feeBps);

        uint256 poolUsdc = poolWeth * price / 1e12; // 18 → 6 decimals
        d.weth.deposit{value: poolWeth + lenderWeth}();
        d.usdc.mint(deployer, poolUsdc);
        d.weth.approve(address(d.pool), poolWeth);
        d.usdc.approve(address(d.pool), poolUsdc);
        bool wethFirst = d.pool.token0() == address(d.weth);
        d.pool
            .addLiquidity(
                wethFirst ? poolWeth : poolUsdc, wethFirst ? poolUsdc : poolWeth, 0, owner
            );
        d.weth.approve(address(d.lender), lenderWeth);
        d.lender.deposit(address(d.weth), lenderWeth);
        if (owner != deployer) {
            d.usdc.transferOwnership(owner);
            d.lender.transferOwnership(owner);
        }
        vm.stopBroadcast();

        console.log("chain id", block.chainid);
        console.log("DemoWETH", address(d.weth));
        console.log("MintableERC20 USDC", address(d.usdc));
        console.log("ConstantProductPool", address(d.pool));
        console.log("LendingPool", address(d.lender));
        _write(d);
    }

    function _write(Deployed memory d) internal {
        string memory out = vm.envOr(
            "MESH_DEMO_OUT", string.concat("deployments/demo-", vm.toString(block.chainid), ".json")
        );
        vm.createDir("deployments", true);
        string memory key = "demo";
        vm.serializeUint(key, "chainId", block.chainid);
        vm.serializeAddress(key, "weth", address(d.weth));
        vm.serializeAddress(key, "usdc", address(d.usdc));
        vm.serializeAddress(key, "pool", address(d.pool));
        string memory json = vm.serializeAddress(key, "lendingPool", address(d.lender));
        vm.writeJson(json, out);
        console.log("wrote", out);
    }
}
