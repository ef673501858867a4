//! Python bindings of regorus's compiled Rego VM, as `policyguard_rvm`.
//!
//! regorus's VM turns a builtin's error into an undefined value, even with its
//! `strict_builtin_errors` on (a rule body that errs is dropped, not reported):
//! `to_number("lots")` makes a rule body undefined where the interpreter and OPA report an
//! error, and under `not` a rule fires. A gate must not pass what it could not judge, so every
//! builtin a program calls is replaced by a guard that calls the original (strictly, as the
//! interpreter does) and, when it fails, marks the execution; `Rvm.execute_entry_point` then
//! raises `BuiltinError` and policyguard hands the execution to the interpreter, which reports
//! the error where it belongs. Arithmetic errors are instructions, not builtins: policyguard's
//! screens keep modules whose arithmetic can fail off the VM.
//!
//! The API mirrors the subset of `regorus.Program` / `regorus.Rvm` that policyguard uses.

use std::cell::Cell;
use std::sync::{Arc, OnceLock};

use pyo3::create_exception;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::DeserializationResult;
use regorus::rvm::{Program as RvmProgram, RegoVM};
use regorus::unstable::{Expr, Ref, Span, BUILTINS};
use regorus::{compile_policy_with_entrypoint, PolicyModule, Rc, Value};

create_exception!(policyguard_rvm, BuiltinError, PyRuntimeError, "A builtin failed during the execution (the interpreter reports it).");

fn err<E: std::fmt::Display>(e: E) -> PyErr {
    PyRuntimeError::new_err(e.to_string())
}

type BuiltinFn = fn(&Span, &[Ref<Expr>], &[Value], bool) -> anyhow::Result<Value>;

include!(concat!(env!("OUT_DIR"), "/wrappers.rs"));

thread_local! {
    // the first failure of a builtin in this thread's current execution: (name, message)
    static FAILED: Cell<Option<(usize, String)>> = const { Cell::new(None) };
}

/// Every builtin regorus has, in a fixed order (the index of a builtin is its wrapper's slot).
fn originals() -> &'static Vec<(&'static str, BuiltinFn)> {
    static ORIGINALS: OnceLock<Vec<(&'static str, BuiltinFn)>> = OnceLock::new();
    ORIGINALS.get_or_init(|| {
        let mut all: Vec<(&'static str, BuiltinFn)> = BUILTINS.iter().map(|(name, f)| (*name, f.0)).collect();
        all.sort_by(|a, b| a.0.cmp(b.0));
        all
    })
}

fn guarded<const K: usize>(span: &Span, params: &[Ref<Expr>], args: &[Value], _strict: bool) -> anyhow::Result<Value> {
    let result = (originals()[K].1)(span, params, args, true);
    if let Err(e) = &result {
        FAILED.with(|f| {
            let first = f.take();
            f.set(Some(first.unwrap_or_else(|| (K, e.to_string()))));
        });
    }
    result
}

/// `program` with each builtin it calls replaced by its guard.
fn guard(mut program: RvmProgram) -> PyResult<RvmProgram> {
    let all = originals();
    if all.len() > SLOTS {
        return Err(PyRuntimeError::new_err(format!("{} builtins, {} guard slots", all.len(), SLOTS)));
    }
    if program.resolved_builtins.len() != program.builtin_info_table.len() {
        program.initialize_resolved_builtins().map_err(err)?;
    }
    for (i, info) in program.builtin_info_table.iter().enumerate() {
        let k = all.binary_search_by(|(n, _)| (*n).cmp(info.name.as_str()))
            .map_err(|_| PyRuntimeError::new_err(format!("builtin {} is not one regorus registers", info.name)))?;
        program.resolved_builtins[i].0 = WRAPPERS[k];
    }
    Ok(program)
}

/// A compiled program (immutable; shared by the VMs that load it).
#[pyclass(frozen, module = "policyguard_rvm")]
struct Program {
    inner: Arc<RvmProgram>,
}

#[pymethods]
impl Program {
    /// Compile `modules` ([(file name, source)]) with `data_json` into a program whose entry
    /// points are `entry_points` (rule paths such as `data.pkg.rule`).
    #[staticmethod]
    fn compile_from_modules(
        py: Python<'_>,
        data_json: &str,
        modules: Vec<(String, String)>,
        entry_points: Vec<String>,
    ) -> PyResult<Self> {
        if entry_points.is_empty() {
            return Err(PyRuntimeError::new_err("a program needs at least one entry point"));
        }
        let data_json = data_json.to_owned();
        py.detach(move || {
            let data = Value::from_json_str(&data_json).map_err(err)?;
            let modules: Vec<PolicyModule> = modules
                .into_iter()
                .map(|(id, content)| PolicyModule { id: Rc::from(id.as_str()), content: Rc::from(content.as_str()) })
                .collect();
            let entries: Vec<&str> = entry_points.iter().map(String::as_str).collect();
            let policy = compile_policy_with_entrypoint(data, &modules, Rc::from(entries[0])).map_err(err)?;
            let program = Compiler::compile_from_policy(&policy, &entries).map_err(err)?;
            Ok(Program { inner: Arc::new(guard((*program).clone())?) })
        })
    }

    /// The program in regorus's binary form (for an on-disk cache).
    fn serialize_binary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.inner.serialize_binary().map_err(err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// `(program, partial)`: a program read back from `serialize_binary`'s bytes; `partial` is
    /// True when only part of it could be restored (the caller recompiles).
    #[staticmethod]
    fn deserialize_binary(data: &[u8]) -> PyResult<(Self, bool)> {
        match RvmProgram::deserialize_binary(data).map_err(err)? {
            DeserializationResult::Complete(p) => Ok((Program { inner: Arc::new(guard(p)?) }, false)),
            DeserializationResult::Partial(p) => Ok((Program { inner: Arc::new(p) }, true)),
        }
    }
}

/// One VM: load a program, set data and input, execute entry points. Not shared between
/// threads (each evaluation thread makes its own).
/// A document parsed once and handed to any number of VMs as their data (`Rvm.set_data`):
/// the value is shared, not copied, so a unit that several groups read as data is parsed once
/// rather than once per group's VM.
#[pyclass(frozen, module = "policyguard_rvm")]
struct Data {
    value: Value,
}

#[pymethods]
impl Data {
    #[staticmethod]
    fn from_json(data_json: &str) -> PyResult<Self> {
        Ok(Data { value: Value::from_json_str(data_json).map_err(err)? })
    }
}

#[pyclass(unsendable, module = "policyguard_rvm")]
struct Rvm {
    vm: RegoVM,
}

#[pymethods]
impl Rvm {
    #[new]
    #[pyo3(signature = (max_instructions = None))]
    fn new(max_instructions: Option<usize>) -> Self {
        // not strict: regorus's strict VM also fails comparisons of mixed types ("a" > 1), which
        // Rego defines (and the interpreter evaluates); builtin failures are the guards' to see
        let mut vm = RegoVM::new();
        vm.set_strict_builtin_errors(false);
        if let Some(limit) = max_instructions {
            vm.set_max_instructions(limit);
        }
        Rvm { vm }
    }

    fn load_program(&mut self, program: &Program) {
        self.vm.load_program(program.inner.clone());
    }

    fn set_data_json(&mut self, data_json: &str) -> PyResult<()> {
        let data = Value::from_json_str(data_json).map_err(err)?;
        self.vm.set_data(data).map_err(err)
    }

    fn set_data(&mut self, data: &Data) -> PyResult<()> {
        self.vm.set_data(data.value.clone()).map_err(err)
    }

    fn set_input_json(&mut self, input_json: &str) -> PyResult<()> {
        let input = Value::from_json_str(input_json).map_err(err)?;
        self.vm.set_input(input);
        Ok(())
    }

    /// The entry point's value as JSON. A builtin that failed on the way raises `BuiltinError`
    /// (whatever the VM made of it); the instruction limit or any other VM error raises
    /// RuntimeError.
    fn execute_entry_point(&mut self, entry_point: &str) -> PyResult<String> {
        FAILED.with(|f| f.set(None));
        let result = self.vm.execute_entry_point_by_name(entry_point);
        if let Some((k, message)) = FAILED.with(|f| f.take()) {
            return Err(BuiltinError::new_err(format!("{}: {}", originals()[k].0, message)));
        }
        result.map_err(err)?.to_json_str().map_err(err)
    }
}

#[pymodule]
fn policyguard_rvm(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Program>()?;
    m.add_class::<Data>()?;
    m.add_class::<Rvm>()?;
    m.add("BuiltinError", m.py().get_type::<BuiltinError>())?;
    m.add("REGORUS_VERSION", "0.14.1")?;
    Ok(())
}
