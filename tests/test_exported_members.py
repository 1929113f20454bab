"""The public API, pinned: what each public package exports, that every exported
name is there, and that public functions say what they take and return (like
httpx's tests/test_exported_members.py). A name added, moved or dropped fails
here first, so that it is a decision (and a CHANGELOG line), not an accident."""

import importlib
import inspect

import pytest

PUBLIC = {
    "mastwidgets": [
        "App",
        "Basket",
        "Catalog",
        "Facets",
        "MastWidgetsError",
        "PRODUCT_COLUMNS",
        "RESULT_COLUMNS",
        "Settings",
        "__version__",
        "cancel",
        "catalog_products",
        "download_script",
        "errors",
        "filter_products",
        "get_settings",
        "import_observations",
        "import_program",
        "list_jobs",
        "list_mission_products",
        "list_products",
        "mission_columns",
        "open_product",
        "manifest",
        "pause",
        "preview_image",
        "read_targets",
        "remove_job",
        "resolve_target",
        "resume",
        "search_criteria",
        "search_mission",
        "search_obs_id",
        "search_program",
        "search_region",
        "search_target",
        "search_targets",
        "snippet",
    ],
    "mastwidgets.transfer": [
        "open_sources",
        "TransientError",
        "Stopped",
        "SourceError",
        "RemoteFile",
        "HeldBytes",
        "NeedBytes",
        "Fetch",
        "Got",
        "SourceUnavailable",
        "io_loop",
        "FINISHED",
        "ByteRanges",
        "FileResult",
        "FileSnapshot",
        "FileSpec",
        "FileState",
        "FileStatusChanged",
        "JobHandle",
        "JobLock",
        "JobSnapshot",
        "JobState",
        "JobStatusChanged",
        "Progress",
        "RetryPolicy",
        "StateFollower",
        "StateWriter",
        "Status",
        "Subscriber",
        "TransferConfig",
        "TransferEvent",
        "TransferJob",
        "TransferResult",
        "TransferSubscriber",
        "clear_stop_request",
        "download",
        "eta",
        "file_state",
        "file_states",
        "is_running",
        "load",
        "load_state",
        "new_job_id",
        "request_stop",
        "requested_stop",
        "resume",
        "resume_start",
        "safe_name",
        "safe_target",
        "save_state",
        "start",
        "state_path",
    ],
    "mastwidgets.imports": [
        "CatalogJob",
        "CatalogResult",
        "catalog_products",
        "resume_catalog",
        "DEFAULT_LAYOUT",
        "DEFAULT_PRODUCTS",
        "INDEX",
        "LAYOUTS",
        "PRODUCT_FIELDS",
        "PROGRAM_LAYOUTS",
        "READERS_FROM",
        "RECORD_BATCH",
        "RECORD_READERS",
        "RESUMABLE",
        "SOURCES",
        "DataRoot",
        "ImportJob",
        "ImportPlan",
        "ImportResult",
        "JobProgress",
        "JobStatus",
        "JobWatch",
        "arrange_associations",
        "cancel",
        "check_import_size",
        "destination",
        "file_name",
        "import_observations",
        "import_program",
        "import_slot",
        "job_state",
        "layout_pattern",
        "list_jobs",
        "pause",
        "plan_import",
        "remove_job",
        "resume",
        "running_imports",
        "shown_path",
    ],
    "mastwidgets.mast": [
        "CLOUD_COLLECTIONS",
        "DEFAULT_RADIUS",
        "KINDS",
        "MAX_TARGETS",
        "MISSIONS",
        "MRP",
        "PRODUCT_COLUMNS",
        "Program",
        "RESULT_COLUMNS",
        "filter_products",
        "is_mission_table",
        "list_mission_products",
        "list_products",
        "locate",
        "mission_columns",
        "open_product",
        "parse_coordinates",
        "parse_radius",
        "preview_image",
        "product_kinds",
        "program_id",
        "read_targets",
        "resolve_target",
        "search_criteria",
        "search_mission",
        "search_obs_id",
        "search_program",
        "search_region",
        "search_target",
        "search_targets",
        "token_headers",
    ],
    "mastwidgets.catalog": [
        "INDEXED",
        "RECORD_FIELDS",
        "Catalog",
        "make_record",
        "make_remote_record",
        "mark_on_disk",
        "on_disk",
        "read_metadata",
    ],
    "mastwidgets.exports": ["MANIFEST_COLUMNS", "download_script", "manifest", "snippet"],
    "mastwidgets.views": [
        "ImvizUnavailable",
        "NotViewable",
        "QuickLook",
        "TqdmProgress",
        "footprints_png",
        "imviz_available",
        "parse_s_region",
        "quicklook",
        "show_in_imviz",
    ],
    "mastwidgets.ui": [
        "App",
        "CatalogPanel",
        "ImportPanel",
        "JobsPanel",
        "ProgressView",
        "SearchPanel",
    ],
}


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_each_package_exports_exactly_its_public_names(package):
    importlib.import_module("mastwidgets.ui")  # imports every package's modules
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(PUBLIC[package])
    for name in module.__all__:
        value = getattr(module, name)
        assert value is not None, f"{package}.{name}"
        # a submodule named as a function, once imported, would take the name's place
        if f"{package}.{name}" != "mastwidgets.errors":  # the one module exported
            assert not inspect.ismodule(value), f"{package}.{name} is a module"


def test_the_errors_are_all_exported_and_all_mastwidgets_errors():
    from mastwidgets import errors

    classes = {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, Exception)
    }
    assert sorted(errors.__all__) == sorted(classes)
    assert all(issubclass(getattr(errors, name), errors.MastWidgetsError) for name in classes)


def _public_functions():
    for package, names in sorted(PUBLIC.items()):
        module = importlib.import_module(package)
        for name in names:
            value = getattr(module, name)
            if inspect.isfunction(value):
                yield f"{package}.{name}", value
            elif inspect.isclass(value):
                for attribute, member in vars(value).items():
                    if inspect.isfunction(member) and not attribute.startswith("_"):
                        yield f"{package}.{name}.{attribute}", member


def test_public_functions_say_what_they_return():
    unannotated = [
        name
        for name, function in _public_functions()
        if inspect.signature(function).return_annotation in (inspect.Signature.empty, "callable")
    ]
    assert unannotated == []


def test_the_package_is_marked_typed():
    from importlib.resources import files

    assert files("mastwidgets").joinpath("py.typed").is_file()
