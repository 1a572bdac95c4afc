pytest_plugins = ["kaohe.supervision.tests.fixtures"]
