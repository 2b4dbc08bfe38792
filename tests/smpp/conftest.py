"""Fixtures for the SMPP tests: one real Jasmin gateway and one operator network per test session.

Starting RabbitMQ + Redis + Jasmin takes 6-10 s, so the stack is session-scoped; the function-scoped
fixtures hand each test a clean view of it (knobs reset, records emptied, Jasmin running with its
connectors bound, the user's throughput unlimited) and put back whatever a fault test broke.
When the stack cannot start, every test here FAILS with the reason (never skips): CI must not go green
without having talked to Jasmin. See tests/smpptools/README.md.
"""

from __future__ import annotations

import pytest

from smpptools.esme import BareEsme
from smpptools.network import OperatorNetwork
from smpptools.stack import Downstream, JasminStack, StackError


@pytest.fixture(scope="session")
def operator_network():
    """The downstream SMSC Jasmin routes to (session-wide; tests use ``network``)."""
    net = OperatorNetwork().start()
    yield net
    net.stop()


@pytest.fixture(scope="session")
def jasmin_stack(operator_network, tmp_path_factory):
    """Redis + RabbitMQ + jasmind on loopback, provisioned with the ``siaran`` account (session-wide;
    tests use ``jasmin``)."""
    ds = Downstream(operator_network.host, operator_network.port, operator_network.system_id,
                    operator_network.password)
    stack = JasminStack(ds, workdir=tmp_path_factory.mktemp("jasmin"))
    try:
        stack.start()
    except StackError as e:
        pytest.fail(f"the Jasmin test stack did not start / Jasmin tidak bisa dijalankan:\n{e}", pytrace=False)
    yield stack
    stack.stop()


@pytest.fixture
def jasmin(jasmin_stack, operator_network):
    """The running Jasmin, healthy at the start of the test: jasmind up, connectors bound, the account's
    throughput unlimited. Restored the same way after the test."""
    _heal(jasmin_stack, operator_network)
    yield jasmin_stack
    _heal(jasmin_stack, operator_network)


@pytest.fixture
def network(operator_network, jasmin):
    """The operator network with default knobs and empty records; fails the test if its own code raised."""
    operator_network.reset()
    yield operator_network
    errors = list(operator_network.errors)
    operator_network.errors.clear()
    operator_network.reset()
    assert errors == [], f"the operator network itself failed: {errors!r}"


@pytest.fixture
def esme(jasmin):
    """A factory of bound BareEsme sessions on the Jasmin account (closed after the test):
    ``esme()``, ``esme(bind="receiver")``, ``esme(password="wrong")``..."""
    made: list[BareEsme] = []

    def make(*, system_id: str | None = None, password: str | None = None, bind: str = "transceiver",
             window: int = 10, connect: bool = True) -> BareEsme:
        e = BareEsme(jasmin.host, jasmin.smpp_port, system_id or jasmin.system_id, password or jasmin.password,
                     bind=bind, window=window)
        made.append(e)
        return e.bind() if connect else e

    yield make
    for e in made:
        e.close()


def _heal(stack: JasminStack, net: OperatorNetwork) -> None:
    net.refuse_binds = False
    if stack.procs.get("jasmind") is None or stack.procs["jasmind"].poll() is not None:
        stack.restart()
    if stack.throughput is not None:
        stack.set_throughput(None)
    stack.wait_connectors_bound(timeout=30)
