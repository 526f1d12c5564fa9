import { render } from "preact";
import { App } from "./components/app.js";
import "./styles.css";

const root = document.getElementById("root");
if (root) render(<App />, root);
