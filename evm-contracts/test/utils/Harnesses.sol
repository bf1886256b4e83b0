// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SignerSetLib} from "../../src/lib/SignerSetLib.sol";

/// @notice Exposes `SignerSetLib.recover` with calldata signatures.
contract RecoverHarness {
    function recover(bytes32 digest, bytes calldata signature) external view returns (address) {
        return SignerSetLib.recover(digest, signature, 0);
    }
}
