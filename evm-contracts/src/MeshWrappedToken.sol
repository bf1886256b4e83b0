// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "solady/tokens/ERC20.sol";

/// @title MeshWrappedToken
/// @notice The Mesh-wrapped form, on this chain, of one token of another domain: minted by its
/// Router when a COMMITted bundle's mint leg is settled, burned by it when a burn leg commits.
/// Every unit is backed by one unit of the origin token kept in the origin domain's Router
/// reserve (docs/protocol.md, "Leg kinds"; the hub registers a mint only beside a lock of the same
/// token and amount).
/// @dev Deployed for the Router by its `MeshWrappedTokenFactory` with CREATE2 (salt
/// `keccak256(abi.encode(originDomain, originToken))`, constructor without arguments: the pair is
/// read back from the factory), lazily at the first mint, so its address is known before it
/// exists (`MeshRouter.wrappedToken`) and a COMMITted mint never depends on setup. Only the
/// Router mints or burns. Amounts are the origin token's raw units; `decimals` is 18 for
/// display only (the origin token's decimals are not known on this chain).
contract MeshWrappedToken is ERC20 {
    /// @notice Minting or burning was attempted by someone other than the Router.
    /// @param caller The caller.
    error OnlyRouter(address caller);

    /// @notice The Router that deployed the token, the only one that mints and burns.
    address public immutable router;

    /// @notice The hub domain id of the origin token's chain.
    uint64 public immutable originDomain;

    /// @notice The origin token's 32-byte account id on its domain.
    bytes32 public immutable originToken;

    /// @dev Deployed by a `MeshWrappedTokenFactory`, which holds the pair during the deployment.
    constructor() {
        MeshWrappedTokenFactory factory = MeshWrappedTokenFactory(msg.sender);
        router = factory.router();
        (originDomain, originToken) = factory.parameters();
    }

    /// @notice "Mesh-wrapped token".
    function name() public pure override returns (string memory) {
        return "Mesh-wrapped token";
    }

    /// @notice "meshW".
    function symbol() public pure override returns (string memory) {
        return "meshW";
    }

    /// @dev No implicit Permit2 allowance: holders approve what they lock.
    function _givePermit2InfiniteAllowance() internal pure override returns (bool) {
        return false;
    }

    /// @notice Mints `amount` to `to`; only the Router (a committed mint leg).
    /// @param to The mint leg's recipient.
    /// @param amount The mint leg's amount.
    function mint(address to, uint256 amount) external {
        if (msg.sender != router) revert OnlyRouter(msg.sender);
        _mint(to, amount);
    }

    /// @notice Burns `amount` of the Router's own balance; only the Router (a committed burn leg,
    /// whose tokens it escrowed).
    /// @param amount The burn leg's amount.
    function burn(uint256 amount) external {
        if (msg.sender != router) revert OnlyRouter(msg.sender);
        _burn(msg.sender, amount);
    }
}

/// @title MeshWrappedTokenFactory
/// @notice Deploys a Router's wrapped tokens (CREATE2, one per origin token). A separate contract
/// so the token's creation code is not part of the Router's runtime code (EIP-170).
contract MeshWrappedTokenFactory {
    /// @notice A deployment was asked for by someone other than the Router.
    /// @param caller The caller.
    error OnlyRouter(address caller);

    /// @notice The Router that deployed the factory, the only one that deploys through it.
    address public immutable router;

    /// @dev The pair of the token being deployed, for its constructor.
    uint64 internal transient _originDomain;
    bytes32 internal transient _originToken;

    constructor() {
        router = msg.sender;
    }

    /// @notice The (origin domain, origin token) of the token being deployed.
    function parameters() external view returns (uint64, bytes32) {
        return (_originDomain, _originToken);
    }

    /// @notice Deploys the wrapped token of (`originDomain`, `originToken`); only the Router.
    /// @param originDomain The origin token's domain.
    /// @param originToken The origin token's account id.
    /// @return token The new token (at its CREATE2 address).
    function deploy(uint64 originDomain, bytes32 originToken) external returns (address token) {
        if (msg.sender != router) revert OnlyRouter(msg.sender);
        _originDomain = originDomain;
        _originToken = originToken;
        token =
            address(new MeshWrappedToken{salt: keccak256(abi.encode(originDomain, originToken))}());
    }
}
