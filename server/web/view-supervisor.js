// view-supervisor.js - this screen is being written
import { h, mount } from './ui.js';

export default async function render(root, ctx) {
  ctx.title('');
  mount(root, h('p', { class: 'notice' }, 'Màn hình này đang được xây dựng.'));
}
