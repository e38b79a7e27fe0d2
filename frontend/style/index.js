import './index.css';
import './sharing.css';
